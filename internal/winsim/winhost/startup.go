package winhost

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file is the W32Time service's startup configuration as the Service Control Manager keeps it
// (the Start and DelayedAutostart values of the service key and its TriggerInfo subkey), what a boot
// does with it, and the sc.exe commands that read and change it: qc, config, triggerinfo and
// qtriggerinfo.

// Start values of a service key (SERVICE_BOOT_START to SERVICE_DISABLED).
const (
	startBoot     uint32 = 0
	startSystem   uint32 = 1
	startAuto     uint32 = 2
	startDemand   uint32 = 3
	startDisabled uint32 = 4
)

var startNames = map[uint32]string{
	startBoot: "BOOT_START", startSystem: "SYSTEM_START", startAuto: "AUTO_START",
	startDemand: "DEMAND_START", startDisabled: "DISABLED",
}

// keyTriggerInfo holds one numbered subkey per trigger (Windows 7 and Server 2008 R2 on).
const keyTriggerInfo = keyW32Time + `\TriggerInfo`

// Trigger actions and the trigger type the simulator models (SERVICE_TRIGGER_ACTION_SERVICE_START,
// _STOP; SERVICE_TRIGGER_TYPE_DOMAIN_JOIN).
const (
	triggerStart          uint32 = 1
	triggerStop           uint32 = 2
	triggerTypeDomainJoin uint32 = 3
)

// The two subtypes of the domain join trigger, DOMAIN_JOIN_GUID and DOMAIN_LEAVE_GUID [seen: the sc
// qtriggerinfo w32time example of the sc.exe documentation].
const (
	guidDomainJoin  = "1ce20aba-9851-4421-9430-1ddeb766e809"
	guidDomainLeave = "ddaf516e-58c2-4866-9574-c3b615d42ea1"
)

// trigger is one domain join trigger: it starts or stops the service when the machine joins (join)
// or leaves a domain.
type trigger struct {
	action uint32
	join   bool
}

// writeTriggers replaces the service's triggers. Each subkey holds Type, Action and Guid (REG_BINARY,
// the GUID in its in-memory byte order) [inferred: the layout of TriggerInfo subkeys].
func writeTriggers(r *registry, ts []trigger) {
	r.deleteKey(keyTriggerInfo)
	for i, t := range ts {
		g := guidDomainLeave
		if t.join {
			g = guidDomainJoin
		}
		k := r.ensure(keyTriggerInfo + `\` + strconv.Itoa(i))
		k.set("Type", dword(triggerTypeDomainJoin))
		k.set("Action", dword(t.action))
		k.set("Guid", Value{Type: "REG_BINARY", Bin: guidBytes(g)})
	}
}

// guidBytes encodes a GUID string as Windows lays the structure out in memory: the first three
// groups little-endian, the last two as written. s is one of the constants above.
func guidBytes(s string) []byte {
	b, _ := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	for _, r := range [][2]int{{0, 4}, {4, 6}, {6, 8}} {
		for i, j := r[0], r[1]-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
	}
	return b
}

// guidString is the inverse of guidBytes; "" when b is not 16 bytes.
func guidString(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	c := append([]byte(nil), b...)
	for _, r := range [][2]int{{0, 4}, {4, 6}, {6, 8}} {
		for i, j := r[0], r[1]-1; i < j; i, j = i+1, j-1 {
			c[i], c[j] = c[j], c[i]
		}
	}
	h := hex.EncodeToString(c)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// triggerEntry is one trigger as read back from the registry.
type triggerEntry struct {
	typ, action uint32
	guid        string
}

// triggers reads the service's triggers in subkey order.
func (h *Machine) triggers() []triggerEntry {
	k := h.reg.key(keyTriggerInfo)
	if k == nil {
		return nil
	}
	var out []triggerEntry
	for _, p := range h.reg.subkeys(k) {
		typ, _ := h.reg.getValue(p, "Type")
		act, _ := h.reg.getValue(p, "Action")
		g, _ := h.reg.getValue(p, "Guid")
		out = append(out, triggerEntry{typ: uint32(typ.Num), action: uint32(act.Num), guid: guidString(g.Bin)})
	}
	return out
}

// startConfig returns the service's start type and whether an automatic start is delayed. A service
// key without Start is taken as manual [inferred].
func (h *Machine) startConfig() (start uint32, delayed bool) {
	start = startDemand
	if v, ok := h.reg.getValue(keyW32Time, "Start"); ok && v.Type == "REG_DWORD" {
		start = uint32(v.Num)
	}
	d, _ := h.reg.getValue(keyW32Time, "DelayedAutostart")
	return start, start == startAuto && d.Type == "REG_DWORD" && d.Num == 1 && h.cfg.Profile.atLeast(P2008)
}

// bootStarts reports whether a boot leaves W32Time running: an automatic service (delayed or not)
// starts; a manual one starts only when its domain-join start trigger fires, which it does on a
// domain member or controller and never in a workgroup (KB 2385818); a disabled one never starts.
func (h *Machine) bootStarts() bool {
	start, _ := h.startConfig()
	switch start {
	case startAuto:
		return true
	case startDemand:
		if h.cfg.Role == Standalone || !h.cfg.Profile.atLeast(P2008R2) {
			return false
		}
		for _, t := range h.triggers() {
			if t.typ == triggerTypeDomainJoin && t.action == triggerStart && t.guid == guidDomainJoin {
				return true
			}
		}
	}
	return false
}

// boot sets the service as a boot leaves it. Callers hold h.mu.
func (h *Machine) boot() {
	h.synced = false
	h.syncDue = time.Time{}
	if h.svc == svcNotInstalled {
		return
	}
	if !h.bootStarts() {
		h.serviceStopped()
		return
	}
	h.svc = svcRunning
	h.serviceStarted()
}

// scOpen checks the service name and, for changes (write), the session's rights, printing sc.exe's
// OpenService failure; ok is false with the exit code when the command cannot go on.
func (x *proc) scOpen(name string, write bool) (code int, ok bool) {
	if !strings.EqualFold(name, "w32time") || x.h.svc == svcNotInstalled {
		x.outln("[SC] OpenService FAILED 1060:", "", x.t(mSCNotExist), "")
		return 1060, false
	}
	if write && !x.h.elevated {
		x.outln("[SC] OpenService FAILED 5:", "", x.t(mErrAccessDenied), "")
		return 5, false
	}
	return 0, true
}

// scQC emulates "sc qc w32time": the configuration from the service key. Server 2003's sc.exe names
// the call GetServiceConfig and pads each value with two spaces [seen]; later ones name it
// QueryServiceConfig and add "(DELAYED)" for a delayed automatic start [seen].
func (x *proc) scQC(a []string) int {
	if len(a) == 0 {
		x.outln("DESCRIPTION:", "        Queries the configuration information for a service.",
			"USAGE:", "        sc <server> qc [service name] <bufferSize>")
		return exitSCUsage
	}
	if code, ok := x.scOpen(a[0], false); !ok {
		return code
	}
	r, legacy := x.h.reg, !x.h.cfg.Profile.atLeast(P2008)
	get := func(name string) Value { v, _ := r.getValue(keyW32Time, name); return v }
	start, delayed := x.h.startConfig()
	startText := fmt.Sprintf("%x   %s", start, startNames[start])
	if _, known := startNames[start]; !known {
		startText = fmt.Sprintf("%x    ERROR", start)
	}
	if delayed {
		startText += "  (DELAYED)"
	}
	display := get("DisplayName").Str
	if strings.HasPrefix(display, "@") {
		display = "Windows Time" // the indirect string resolved, as sc.exe prints it
	}
	pad := ""
	header := "[SC] QueryServiceConfig SUCCESS"
	if legacy {
		pad, header = "  ", "[SC] GetServiceConfig SUCCESS"
	}
	x.outln(header, "", "SERVICE_NAME: "+a[0],
		fmt.Sprintf("        TYPE               : %x  WIN32_SHARE_PROCESS ", get("Type").Num),
		"        START_TYPE         : "+startText,
		fmt.Sprintf("        ERROR_CONTROL      : %x   NORMAL", get("ErrorControl").Num),
		"        BINARY_PATH_NAME   : "+expandSystemRoot(get("ImagePath").Str, x.h.pi.systemRoot)+pad,
		"        LOAD_ORDER_GROUP   : "+pad,
		"        TAG                : 0"+pad,
		"        DISPLAY_NAME       : "+display+pad,
		"        DEPENDENCIES       : "+pad,
		"        SERVICE_START_NAME : "+get("ObjectName").Str+pad)
	return 0
}

// scConfigUsage prints sc.exe's help for config, whose start= list lacks delayed-auto before 2008.
func (x *proc) scConfigUsage() int {
	starts := "<boot|system|auto|demand|disabled|delayed-auto>"
	if !x.h.cfg.Profile.atLeast(P2008) {
		starts = "<boot|system|auto|demand|disabled>"
	}
	x.outln("DESCRIPTION:", "        Modifies a service entry in the registry and Service Database.",
		"USAGE:", "        sc <server> config [service name] <option1> <option2>...", "",
		"OPTIONS:", "NOTE: The option name includes the equal sign.",
		"      A space is required between the equal sign and the value.",
		" type= <own|share|interact|kernel|filesys|rec|userown|usershare>",
		" start= "+starts,
		" error= <normal|severe|critical|ignore>",
		" binPath= <BinaryPathName to the .exe file>",
		" group= <LoadOrderGroup>",
		" tag= <yes|no>",
		" depend= <Dependencies(separated by / (forward slash))>",
		" obj= <AccountName|ObjectName>",
		" DisplayName= <display name>",
		" password= <password>")
	return exitSCUsage
}

// scConfig emulates "sc config w32time start= auto|delayed-auto|demand|disabled" (delayed-auto from
// 2008 on). sc.exe takes "start=" and its value as two arguments; anything else, and every option
// but start= (not emulated), gets the usage text.
func (x *proc) scConfig(a []string) int {
	if len(a) < 3 {
		return x.scConfigUsage()
	}
	var start uint32
	delayed := false
	for i := 1; i < len(a); i += 2 {
		if i+1 >= len(a) || !strings.EqualFold(a[i], "start=") {
			return x.scConfigUsage()
		}
		delayed = false
		switch strings.ToLower(a[i+1]) {
		case "boot":
			start = startBoot
		case "system":
			start = startSystem
		case "auto":
			start = startAuto
		case "demand":
			start = startDemand
		case "disabled":
			start = startDisabled
		case "delayed-auto":
			if !x.h.cfg.Profile.atLeast(P2008) {
				return x.scConfigUsage()
			}
			start, delayed = startAuto, true
		default:
			return x.scConfigUsage()
		}
	}
	if code, ok := x.scOpen(a[0], true); !ok {
		return code
	}
	if start == startBoot || start == startSystem {
		// Only drivers take these; the SCM refuses them for a Win32 service [inferred].
		x.outln("[SC] ChangeServiceConfig FAILED 87:", "", x.t(mErrInvalidParameter), "")
		return 87
	}
	svc := x.h.reg.ensure(keyW32Time)
	svc.set("Start", dword(start))
	// sc.exe sets the delayed flag along with auto and delayed-auto only [inferred].
	if start == startAuto && x.h.cfg.Profile.atLeast(P2008) {
		d := uint32(0)
		if delayed {
			d = 1
		}
		svc.set("DelayedAutostart", dword(d))
	}
	x.outln("[SC] ChangeServiceConfig SUCCESS")
	return 0
}

// scTriggerUsage prints sc.exe's help for triggerinfo [inferred: abridged].
func (x *proc) scTriggerUsage() int {
	x.outln("DESCRIPTION:", "        Changes the trigger parameters of a service.",
		"USAGE:", "        sc <server> triggerinfo [service name] <option1> <option2>...", "",
		"OPTIONS:",
		"        start/domainjoin      <Start the service on domain join>",
		"        stop/domainjoin       <Stop the service on domain join>",
		"        start/domainleave     <Start the service on domain leave>",
		"        stop/domainleave      <Stop the service on domain leave>",
		"        delete                <Delete the existing trigger parameters>")
	return exitSCUsage
}

// scTriggerInfo emulates "sc triggerinfo w32time start/domainjoin stop/domainleave" and
// "sc triggerinfo w32time delete" (2008 R2 on). The given triggers replace the existing ones. Only
// the domain join triggers are emulated.
func (x *proc) scTriggerInfo(a []string) int {
	if len(a) < 2 {
		return x.scTriggerUsage()
	}
	var ts []trigger
	del := false
	for _, s := range a[1:] {
		switch strings.ToLower(s) {
		case "delete":
			del = true
		case "start/domainjoin":
			ts = append(ts, trigger{action: triggerStart, join: true})
		case "start/domainleave":
			ts = append(ts, trigger{action: triggerStart, join: false})
		case "stop/domainjoin":
			ts = append(ts, trigger{action: triggerStop, join: true})
		case "stop/domainleave":
			ts = append(ts, trigger{action: triggerStop, join: false})
		default:
			return x.scTriggerUsage()
		}
	}
	if del && len(ts) > 0 {
		return x.scTriggerUsage()
	}
	if code, ok := x.scOpen(a[0], true); !ok {
		return code
	}
	if del {
		x.h.reg.deleteKey(keyTriggerInfo)
	} else {
		writeTriggers(x.h.reg, ts)
	}
	x.outln("[SC] ChangeServiceConfig2 SUCCESS")
	return 0
}

// scQTriggerInfo emulates "sc qtriggerinfo w32time" (2008 R2 on) [seen: the documented example;
// the line for a service without triggers and for other trigger types inferred].
func (x *proc) scQTriggerInfo(a []string) int {
	if len(a) == 0 {
		x.outln("DESCRIPTION:", "        Queries the trigger parameters of a service.",
			"USAGE:", "        sc <server> qtriggerinfo [service name] <BufferSize>")
		return exitSCUsage
	}
	if code, ok := x.scOpen(a[0], false); !ok {
		return code
	}
	x.outln("[SC] QueryServiceConfig2 SUCCESS", "", "SERVICE_NAME: "+a[0], "")
	ts := x.h.triggers()
	if len(ts) == 0 {
		x.outln("        The service has not registered for any start or stop triggers.")
		return 0
	}
	for _, t := range ts {
		if t.action == triggerStop {
			x.outln("        STOP SERVICE")
		} else {
			x.outln("        START SERVICE")
		}
		if t.typ != triggerTypeDomainJoin {
			x.outln(fmt.Sprintf("          TRIGGER TYPE %-16d: %s", t.typ, t.guid))
			continue
		}
		what := "[NOT DOMAIN JOINED]"
		if t.guid == guidDomainJoin {
			what = "[DOMAIN JOINED]"
		}
		x.outln("          DOMAIN JOINED STATUS         : " + t.guid + " " + what)
	}
	return 0
}
