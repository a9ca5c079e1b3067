package wintime

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// More registry keys: the W32Time time providers, and the Group Policy keys
// that override them.
const (
	NtpClientKey       = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\TimeProviders\NtpClient`
	NtpServerKey       = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\TimeProviders\NtpServer`
	VMICKey            = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\TimeProviders\VMICTimeProvider`
	PolicyNtpClientKey = `HKLM\SOFTWARE\Policies\Microsoft\W32Time\TimeProviders\NtpClient`
	PolicyNtpServerKey = `HKLM\SOFTWARE\Policies\Microsoft\W32Time\TimeProviders\NtpServer`
	// ServiceKey holds every W32Time key: the service's, Parameters, Config
	// and the time providers.
	ServiceKey = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time`
	// PolicyRootKey holds every W32Time policy key.
	PolicyRootKey = `HKLM\SOFTWARE\Policies\Microsoft\W32Time`
)

// TunableKind says how a tunable's DWORD is shown in Terraform.
type TunableKind int

// Tunable kinds.
const (
	// KindNumber is a plain number between Min and Max.
	KindNumber TunableKind = iota
	// KindBool is 1 (true) or 0 (false); any value other than 0 reads as true.
	KindBool
	// KindEnum is one of Names, the DWORD being its index.
	KindEnum
	// KindUnlimited is a number between Min and Max, or "unlimited"
	// (0xFFFFFFFF).
	KindUnlimited
)

// Unlimited is what a KindUnlimited tunable holds for "unlimited", and its
// spelling in Terraform.
const (
	Unlimited     uint32 = 0xFFFFFFFF
	UnlimitedName        = "unlimited"
)

// Tunable is one W32Time DWORD setting: where Windows keeps it, where Group
// Policy overrides it, its unit, its allowed range, the first version that
// has it and its default per role (for the documentation). The provider's
// schema, the read, the writes, the version gate and the read-back check are
// all generated from Tunables.
type Tunable struct {
	Attr      string // the Terraform attribute
	Key       string // the registry key that holds it
	Value     string // the value name
	PolicyKey string // the Group Policy key that overrides it; "" when none does
	Kind      TunableKind
	Unit      string // "seconds", ...; "" for bools and enums
	Min, Max  uint32 // for KindNumber and KindUnlimited
	Names     []string
	Since     Version // zero: every supported version
	// Defaults is the value on a fresh host as a standalone server, a domain
	// member and a domain controller, as the attribute shows it.
	Defaults    [3]string
	Description string
}

// Versions that introduced a tunable.
var (
	since2008   = Version{Major: 6, Minor: 0}
	since2008R2 = Version{Major: 6, Minor: 1}
	since2016   = Version{Major: 10, Minor: 0, Build: 14393}
)

const maxDword = 0xFFFFFFFF

// Tunables is every DWORD setting windows_ntp_config manages besides
// AnnounceFlags (which is `reliable`).
var Tunables = []Tunable{
	{Attr: "special_poll_interval", Key: NtpClientKey, Value: "SpecialPollInterval", PolicyKey: PolicyNtpClientKey,
		Kind: KindNumber, Unit: "seconds", Min: 1, Max: maxDword, Defaults: [3]string{"604800", "3600", "3600"},
		Description: "How often the host polls a peer that has the `SpecialInterval` flag."},
	{Attr: "cross_site_sync_flags", Key: NtpClientKey, Value: "CrossSiteSyncFlags", PolicyKey: PolicyNtpClientKey,
		Kind: KindEnum, Names: []string{"None", "PdcOnly", "All"}, Defaults: [3]string{"All", "All", "All"},
		Description: "Whether a domain member or controller may take its time from a domain controller in another " +
			"site: `None` (0), `PdcOnly` (1: only the PDC emulator) or `All` (2)."},
	{Attr: "resolve_peer_backoff_minutes", Key: NtpClientKey, Value: "ResolvePeerBackoffMinutes", PolicyKey: PolicyNtpClientKey,
		Kind: KindNumber, Unit: "minutes", Min: 0, Max: maxDword, Defaults: [3]string{"15", "15", "15"},
		Description: "How long the host waits before it tries again to resolve a peer's name after a failure."},
	{Attr: "resolve_peer_backoff_max_times", Key: NtpClientKey, Value: "ResolvePeerBackoffMaxTimes", PolicyKey: PolicyNtpClientKey,
		Kind: KindNumber, Unit: "attempts", Min: 0, Max: maxDword, Defaults: [3]string{"7", "7", "7"},
		Description: "How many times the wait before a new resolution is doubled before the host logs an event."},
	{Attr: "ntp_client_enabled", Key: NtpClientKey, Value: "Enabled", PolicyKey: PolicyNtpClientKey,
		Kind: KindBool, Defaults: [3]string{"true", "true", "true"},
		Description: "Whether the NTP client provider runs: `false` stops the host from taking time from any peer."},
	{Attr: "min_poll_interval", Key: ConfigKey, Value: "MinPollInterval", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "log2 seconds", Min: 0, Max: 17, Defaults: [3]string{"10", "10", "6"},
		Description: "The shortest interval between polls, as a power of two (`6` is 64 seconds). At most `max_poll_interval`."},
	{Attr: "max_poll_interval", Key: ConfigKey, Value: "MaxPollInterval", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "log2 seconds", Min: 0, Max: 17, Defaults: [3]string{"15", "15", "10"},
		Description: "The longest interval between polls, as a power of two (`10` is 1024 seconds). At least `min_poll_interval`."},
	{Attr: "max_pos_phase_correction", Key: ConfigKey, Value: "MaxPosPhaseCorrection", PolicyKey: PolicyConfigKey,
		Kind: KindUnlimited, Unit: "seconds", Min: 0, Max: maxDword - 1, Defaults: [3]string{"54000", "unlimited", "172800"},
		Description: "The largest step forward the service makes; a larger offset is logged and left alone. " +
			"A number of seconds as a string, or `unlimited`."},
	{Attr: "max_neg_phase_correction", Key: ConfigKey, Value: "MaxNegPhaseCorrection", PolicyKey: PolicyConfigKey,
		Kind: KindUnlimited, Unit: "seconds", Min: 0, Max: maxDword - 1, Defaults: [3]string{"54000", "unlimited", "172800"},
		Description: "The largest step back the service makes; a larger offset is logged and left alone. " +
			"A number of seconds as a string, or `unlimited`."},
	{Attr: "update_interval", Key: ConfigKey, Value: "UpdateInterval", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "clock ticks (1/100 s)", Min: 0, Max: maxDword, Defaults: [3]string{"100", "100", "100"},
		Description: "How often the service adjusts the clock while it corrects a phase offset."},
	{Attr: "large_phase_offset", Key: ConfigKey, Value: "LargePhaseOffset", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "units of 100 ns", Min: 0, Max: maxDword, Defaults: [3]string{"50000000", "50000000", "50000000"},
		Description: "The offset from which a sample counts as a spike (`50000000` is 5 seconds)."},
	{Attr: "max_allowed_phase_offset", Key: ConfigKey, Value: "MaxAllowedPhaseOffset", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "seconds", Min: 0, Max: maxDword, Defaults: [3]string{"300", "300", "300"},
		Description: "The offset above which the service sets the clock at once instead of slewing it."},
	{Attr: "phase_correct_rate", Key: ConfigKey, Value: "PhaseCorrectRate", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "rate (smaller corrects faster)", Min: 1, Max: maxDword, Defaults: [3]string{"1", "1", "1"},
		Description: "How fast the service corrects a phase offset."},
	{Attr: "frequency_correct_rate", Key: ConfigKey, Value: "FrequencyCorrectRate", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "rate (smaller corrects faster)", Min: 1, Max: maxDword, Defaults: [3]string{"4", "4", "4"},
		Description: "How fast the service corrects the clock's frequency."},
	{Attr: "hold_period", Key: ConfigKey, Value: "HoldPeriod", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "samples", Min: 0, Max: maxDword, Defaults: [3]string{"5", "5", "5"},
		Description: "How many consistent samples the service needs after a clock change before it detects spikes again."},
	{Attr: "spike_watch_period", Key: ConfigKey, Value: "SpikeWatchPeriod", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "seconds", Min: 0, Max: maxDword, Defaults: [3]string{"900", "900", "900"},
		Description: "How long a suspicious offset must last before the service accepts it."},
	{Attr: "event_log_flags", Key: ConfigKey, Value: "EventLogFlags", PolicyKey: PolicyConfigKey,
		Kind: KindNumber, Unit: "flags (1: time jumps, 2: source changes)", Min: 0, Max: 3, Defaults: [3]string{"2", "2", "2"},
		Description: "Which events the service logs to the System log."},
	{Attr: "utilize_ssl_time_data", Key: ConfigKey, Value: "UtilizeSslTimeData", PolicyKey: PolicyConfigKey,
		Kind: KindBool, Since: since2016, Defaults: [3]string{"true", "true", "true"},
		Description: "Whether the service uses the time stamps of TLS connections to bound the clock (Secure Time Seeding)."},
	{Attr: "ntp_server_enabled", Key: NtpServerKey, Value: "Enabled", PolicyKey: PolicyNtpServerKey,
		Kind: KindBool, Defaults: [3]string{"false", "false", "true"},
		Description: "Whether the host serves time to other machines over NTP (UDP port 123)."},
	{Attr: "vmic_time_provider_enabled", Key: VMICKey, Value: "Enabled",
		Kind: KindBool, Since: since2008R2, Defaults: [3]string{"true", "true", "true"},
		Description: "Whether the host takes its time from its Hyper-V or Azure host (the Hyper-V time " +
			"synchronization provider). Microsoft advises turning it off on virtual domain controllers, which " +
			"must follow the domain hierarchy."},
}

// LookupTunable returns the tunable of attribute attr.
func LookupTunable(attr string) (Tunable, bool) {
	i := slices.IndexFunc(Tunables, func(t Tunable) bool { return t.Attr == attr })
	if i < 0 {
		return Tunable{}, false
	}
	return Tunables[i], true
}

// Available reports whether version v has the tunable.
func (t Tunable) Available(v Version) bool { return t.Since.IsZero() || !v.Less(t.Since) }

// SinceText names the versions that have the tunable.
func (t Tunable) SinceText() string { return sinceText(t.Since) }

func sinceText(v Version) string {
	if v.IsZero() {
		return "every version from Windows Server 2003 on"
	}
	return v.Release() + " and later"
}

// RangeText describes the allowed values, for messages and documentation.
func (t Tunable) RangeText() string {
	switch t.Kind {
	case KindBool:
		return "true or false"
	case KindEnum:
		return strings.Join(t.Names, ", ")
	case KindUnlimited:
		return fmt.Sprintf("%d to %d %s, or %q", t.Min, t.Max, t.Unit, UnlimitedName)
	case KindNumber:
	}
	return fmt.Sprintf("%d to %d %s", t.Min, t.Max, t.Unit)
}

// Format shows a DWORD the way the attribute holds it: digits, "true" or
// "false", a name, or "unlimited". A value outside the names of an enum is
// shown as its digits.
func (t Tunable) Format(n uint32) string {
	switch t.Kind {
	case KindBool:
		return strconv.FormatBool(n != 0)
	case KindEnum:
		if int(n) < len(t.Names) {
			return t.Names[n]
		}
	case KindUnlimited:
		if n == Unlimited {
			return UnlimitedName
		}
	case KindNumber:
	}
	return strconv.FormatUint(uint64(n), 10)
}

// Parse reads the attribute's text form (as Format writes it, for KindEnum
// and KindUnlimited; KindNumber and KindBool in their Terraform forms
// converted by the caller) and checks the range. The error names the
// attribute, the range and the unit.
func (t Tunable) Parse(s string) (uint32, error) {
	bad := fmt.Errorf("%s: %q is not allowed; write %s", t.Attr, s, t.RangeText())
	switch t.Kind {
	case KindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return 0, bad
		}
		return map[bool]uint32{false: 0, true: 1}[b], nil
	case KindEnum:
		i := slices.IndexFunc(t.Names, func(n string) bool { return strings.EqualFold(n, s) })
		if i < 0 {
			return 0, bad
		}
		return uint32(i), nil
	case KindUnlimited:
		if strings.EqualFold(s, UnlimitedName) {
			return Unlimited, nil
		}
	case KindNumber:
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n < uint64(t.Min) || n > uint64(t.Max) {
		return 0, bad
	}
	return uint32(n), nil
}

// same reports whether the host's value a means what was asked, b: for a
// bool, any value other than 0 is true.
func (t Tunable) same(a, b uint32) bool {
	if t.Kind == KindBool {
		return (a != 0) == (b != 0)
	}
	return a == b
}

// command writes n. The number is formatted here, never taken from the
// user's text.
func (t Tunable) command(n uint32) string {
	return `reg add "` + t.Key + `" /v ` + t.Value + ` /t REG_DWORD /d ` + strconv.FormatUint(uint64(n), 10) + ` /f`
}

// readTunables returns the tunables key holds, by attribute.
func readTunables(keys map[string]*RegKey, policy bool) map[string]uint32 {
	out := map[string]uint32{}
	for _, t := range Tunables {
		path := t.Key
		if policy {
			if path = t.PolicyKey; path == "" {
				continue
			}
		}
		if n, ok := dword(LookupKey(keys, path), t.Value); ok {
			out[t.Attr] = n
		}
	}
	return out
}

// CheckVersion refuses settings that version v does not have, naming the
// attribute and the versions that have it.
func CheckVersion(v Version, want Settings) error {
	var errs []string
	for _, t := range Tunables {
		if _, ok := want.Tunables[t.Attr]; ok && !t.Available(v) {
			errs = append(errs, fmt.Sprintf("%s (registry value %s) does not exist on %s (%s): only %s have it; "+
				"remove it from the configuration of this host", t.Attr, t.Value, v.Release(), v, t.SinceText()))
		}
	}
	if want.Startup != "" && !want.Startup.Available(v) {
		errs = append(errs, fmt.Sprintf("service_startup %q does not exist on %s (%s): only %s have it; "+
			"use \"automatic\" there", want.Startup, v.Release(), v, sinceText(since2008)))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(errs, "; "))
}

// CheckPollRange refuses a min_poll_interval above max_poll_interval, when
// both are managed.
func CheckPollRange(want Settings) error {
	lo, okLo := want.Tunables["min_poll_interval"]
	hi, okHi := want.Tunables["max_poll_interval"]
	if okLo && okHi && lo > hi {
		return fmt.Errorf("min_poll_interval (%d) is above max_poll_interval (%d): the shortest poll interval "+
			"cannot be longer than the longest; lower min_poll_interval or raise max_poll_interval", lo, hi)
	}
	return nil
}

// tunableSteps returns the commands that write the managed tunables, in
// table order.
func tunableSteps(want Settings) []string {
	var steps []string
	for _, t := range Tunables {
		if n, ok := want.Tunables[t.Attr]; ok {
			steps = append(steps, t.command(n))
		}
	}
	return steps
}

// availableOn returns s without the settings version v does not have.
func (s Settings) availableOn(v Version) Settings {
	out := s
	out.Tunables = map[string]uint32{}
	for _, t := range Tunables {
		if n, ok := s.Tunables[t.Attr]; ok && t.Available(v) {
			out.Tunables[t.Attr] = n
		}
	}
	if !s.Startup.Available(v) {
		out.Startup = StartAutomatic
	}
	return out
}
