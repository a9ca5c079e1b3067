package wintime

import (
	"fmt"
	"regexp"
)

// StartType is how the W32Time service starts, as `service_startup` names it.
type StartType string

// Start types the provider manages.
const (
	StartAutomatic        StartType = "automatic"
	StartAutomaticDelayed StartType = "automatic_delayed"
	StartManual           StartType = "manual"
	StartDisabled         StartType = "disabled"
)

// StartTypeNames lists the start types, for the schema and messages.
func StartTypeNames() []string {
	return []string{string(StartAutomatic), string(StartAutomaticDelayed), string(StartManual), string(StartDisabled)}
}

// Available reports whether version v has the start type: a delayed
// automatic start exists from Server 2008 on.
func (s StartType) Available(v Version) bool {
	return s != StartAutomaticDelayed || !v.Less(since2008)
}

// hasTriggerStart reports whether version v starts a manual W32Time on
// domain join (Server 2008 R2 on).
func hasTriggerStart(v Version) bool { return !v.Less(since2008R2) }

// startupSteps returns the commands that give the service start type s on
// version v. A manual start gets back, where the version has it, the
// domain-join trigger start Windows gives the service, so that a manual
// W32Time still starts on a domain member (KB 2385818).
func startupSteps(v Version, s StartType) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	sc := map[StartType]string{
		StartAutomatic: "auto", StartAutomaticDelayed: "delayed-auto", StartManual: "demand", StartDisabled: "disabled",
	}[s]
	if sc == "" {
		return nil, fmt.Errorf("service_startup %q is not one of %v", s, StartTypeNames())
	}
	steps := []string{"sc config w32time start= " + sc}
	if s == StartManual && hasTriggerStart(v) {
		steps = append(steps, "sc triggerinfo w32time start/domainjoin stop/domainleave")
	}
	return steps, nil
}

// scStartType matches the start type line of `sc qc`. Its label may be
// translated; the number, the symbolic name and the "(DELAYED)" mark are
// not.
var scStartType = regexp.MustCompile(`:\s*\d+\s+(AUTO_START|DEMAND_START|DISABLED|BOOT_START|SYSTEM_START)\b(\s+\(DELAYED\))?`)

// parseStartType reads the start type from `sc qc w32time` output; "" when
// there is none, or when it is one the provider does not manage (boot or
// system start, which only drivers take).
func parseStartType(out string) StartType {
	m := scStartType.FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	switch m[1] {
	case "AUTO_START":
		if m[2] != "" {
			return StartAutomaticDelayed
		}
		return StartAutomatic
	case "DEMAND_START":
		return StartManual
	case "DISABLED":
		return StartDisabled
	}
	return ""
}
