package winhost

import (
	"fmt"
	"strconv"
	"strings"
)

// progW32tm emulates w32tm.exe. Everything it prints goes to standard output, errors included [inferred].
func progW32tm(x *proc) int {
	if len(x.args) == 0 {
		x.w32Usage()
		return 0
	}
	cmd := strings.ToLower(x.args[0])
	if strings.HasPrefix(cmd, "-") {
		cmd = "/" + cmd[1:]
	}
	rest := x.args[1:]
	switch cmd {
	case "/config":
		return x.w32Config(rest)
	case "/query":
		if !x.h.pi.hasQuery {
			break
		}
		return x.w32Query(rest)
	case "/resync":
		return x.w32Resync(rest)
	case "/dumpreg":
		return x.w32Dumpreg(rest)
	case "/register":
		return x.w32Register()
	case "/unregister":
		return x.w32Unregister()
	case "/tz":
		return x.w32Tz()
	case "/?":
		x.w32Usage()
		return 0
	}
	// 2003 has no /query [seen]; every unknown command gets the same line [inferred].
	x.outln(x.t(mCommandUnknown, x.args[0]))
	return w32tmExitCode(hrInvalidParameter)
}

func (x *proc) w32Usage() {
	x.outln("w32tm [/? | /register | /unregister ]",
		"  /? - this help screen.",
		"  /register - register to run as a service and add default",
		"    configuration to the registry.",
		"  /unregister - unregister service and remove all configuration",
		"    information from the registry.")
}

// w32Err prints w32tm's error line for an HRESULT and returns its exit code.
func (x *proc) w32Err(hr uint32) int {
	var m msg
	switch hr {
	case hrAccessDenied:
		m = mErrAccessDenied
	case hrFileNotFound:
		m = mErrFileNotFound
	case hrServiceNotExist:
		m = mErrServiceNotExist
	case hrServiceNotActive:
		m = mErrServiceNotActive
	default:
		m = mErrInvalidParameter
	}
	x.outln(x.t(mErrorOccurred, x.t(m), hr))
	return w32tmExitCode(hr)
}

// option splits "/name:value" into a lower-case name and the value as typed.
func option(a string) (name, val string, hasVal bool) {
	name, val, hasVal = strings.Cut(a, ":")
	name = strings.ToLower(name)
	if strings.HasPrefix(name, "-") {
		name = "/" + name[1:]
	}
	return name, val, hasVal
}

// syncFromFlagsType maps a /syncfromflags list onto the Parameters\Type value (windows-time.md section 1).
func syncFromFlagsType(list string, allowAllNo bool) (string, bool) {
	if strings.TrimSpace(list) == "" {
		return "", false
	}
	bits, no := 0, false
	for _, k := range strings.Split(list, ",") {
		switch strings.ToUpper(strings.TrimSpace(k)) {
		case "MANUAL":
			bits |= 1
		case "DOMHIER":
			bits |= 2
		case "ALL":
			if !allowAllNo {
				return "", false
			}
			bits |= 3
		case "NO":
			if !allowAllNo {
				return "", false
			}
			no = true
		default:
			return "", false
		}
	}
	if no {
		if bits != 0 {
			return "", false
		}
		return "NoSync", true
	}
	return [...]string{"NoSync", "NTP", "NT5DS", "AllSync"}[bits], true
}

// w32ConfigOpts are the options of "w32tm /config"; nil pointers are options not given.
type w32ConfigOpts struct {
	update                 bool
	peers, typ             *string
	announce               *uint32
	dispersion, largePhase *uint32
}

// w32Config is "w32tm /config": it checks every option before it writes any.
func (x *proc) w32Config(args []string) int {
	c, ok := parseW32Config(args, x.h.pi.syncAllNo)
	if !ok {
		return x.w32Err(hrInvalidParameter)
	}
	if !x.h.elevated {
		return x.w32Err(hrAccessDenied)
	}
	if x.h.svc == svcNotInstalled {
		return x.w32Err(hrServiceNotExist)
	}
	// The registry is written first; /update then asks the service to reread it, which fails when it is
	// stopped while the written values stay [inferred]. Values that Group Policy sets are written locally
	// but the policy ones stay in effect.
	x.h.writeW32Config(c)
	if c.update {
		if x.h.svc != svcRunning {
			return x.w32Err(hrServiceNotActive)
		}
		x.h.configUpdated()
	}
	x.outln(x.t(mCmdOK))
	return 0
}

// parseW32Config reads the options of "w32tm /config"; false for any it does not know or whose
// value it cannot use, which w32tm answers with E_INVALIDARG. syncAllNo says whether /syncfromflags
// takes ALL and NO (2008 and later).
func parseW32Config(args []string, syncAllNo bool) (w32ConfigOpts, bool) {
	var c w32ConfigOpts
	for _, a := range args {
		name, val, hasVal := option(a)
		switch name {
		case "/computer":
		case "/update":
			if hasVal {
				return c, false
			}
			c.update = true
		case "/manualpeerlist":
			if !hasVal {
				return c, false
			}
			v := val
			c.peers = &v
		case "/syncfromflags":
			t, ok := syncFromFlagsType(val, syncAllNo)
			if !hasVal || !ok {
				return c, false
			}
			c.typ = &t
		case "/reliable":
			var f uint32
			switch strings.ToUpper(val) {
			case "YES":
				f = 5
			case "NO":
				f = 10
			default:
				return c, false
			}
			c.announce = &f
		case "/localclockdispersion", "/largephaseoffset":
			n, err := strconv.ParseUint(val, 10, 32)
			if !hasVal || err != nil {
				return c, false
			}
			v := uint32(n)
			if name == "/largephaseoffset" {
				c.largePhase = &v
			} else {
				c.dispersion = &v
			}
		default:
			return c, false
		}
	}
	return c, true
}

// writeW32Config writes the values "w32tm /config" sets to the local W32Time keys.
func (h *Machine) writeW32Config(c w32ConfigOpts) {
	r := h.reg
	if c.peers != nil {
		r.setValue(keyW32Time+`\Parameters`, "NtpServer", sz(*c.peers))
	}
	if c.typ != nil {
		r.setValue(keyW32Time+`\Parameters`, "Type", sz(*c.typ))
	}
	if c.announce != nil {
		r.setValue(keyW32Time+`\Config`, "AnnounceFlags", dword(*c.announce))
	}
	if c.dispersion != nil {
		r.setValue(keyW32Time+`\Config`, "LocalClockDispersion", dword(*c.dispersion))
	}
	if c.largePhase != nil {
		r.setValue(keyW32Time+`\Config`, "LargePhaseOffset", dword(*c.largePhase))
	}
}

// serviceReady checks the service for commands that talk to it.
func (x *proc) serviceReady() (uint32, bool) {
	switch x.h.svc {
	case svcNotInstalled:
		return hrServiceNotExist, false
	case svcStopped:
		return hrServiceNotActive, false
	case svcRunning:
		return 0, true
	}
	return 0, true
}

// peerList returns the effective manual peers, each as configured ("name,0x9").
func (h *Machine) peerList() []string {
	v, _ := h.effective("Parameters", "NtpServer")
	return strings.Fields(v.Str)
}

// timeSource returns where the service takes time from, following the effective Type and the role;
// ok is false when it has no source and runs on the local clock. A simulated domain controller is a
// replica that takes the domain hierarchy's time from DC01 [inferred], as a member does.
func (h *Machine) timeSource() (string, bool) {
	t, _ := h.effective("Parameters", "Type")
	dcName := h.dcName()
	peers := h.peerList()
	switch strings.ToUpper(t.Str) {
	case "NTP":
		if len(peers) > 0 {
			return peers[0], true
		}
	case "NT5DS":
		if h.cfg.Role != Standalone {
			return dcName, true
		}
	case "ALLSYNC":
		if h.cfg.Role != Standalone {
			return dcName, true
		}
		if len(peers) > 0 {
			return peers[0], true
		}
	}
	return "", false
}

func (x *proc) w32Query(args []string) int {
	what, verbose := "", false
	for _, a := range args {
		name, _, _ := option(a)
		switch name {
		case "/verbose":
			verbose = true
		case "/computer":
		case "/source", "/configuration", "/peers", "/status":
			if what != "" {
				return x.w32Err(hrInvalidParameter)
			}
			what = name
		default:
			return x.w32Err(hrInvalidParameter)
		}
	}
	if what == "" {
		return x.w32Err(hrInvalidParameter)
	}
	if hr, ok := x.serviceReady(); !ok {
		return x.w32Err(hr)
	}
	switch what {
	case "/source":
		x.w32Source()
	case "/status":
		x.w32Status(verbose)
	case "/peers":
		x.w32Peers()
	case "/configuration":
		x.w32Configuration()
	}
	return 0
}

// w32Configuration prints w32tm /query /configuration from the effective (policy over local) values.
func (x *proc) w32Configuration() {
	h := x.h
	tv, _ := h.effective("Parameters", "Type")
	typ := strings.ToUpper(tv.Str)
	line := func(sub, name string) {
		v, policy := h.effective(sub, name)
		if v.Type == "" {
			return
		}
		var data string
		switch v.Type {
		case "REG_DWORD", "REG_QWORD":
			data = strconv.FormatUint(v.Num, 10)
		case "REG_MULTI_SZ":
			data = strings.Join(v.Multi, " ")
		case "REG_EXPAND_SZ":
			data = expandSystemRoot(v.Str, h.pi.systemRoot)
		default:
			data = v.Str
		}
		src := x.t(mLocal)
		if policy {
			src = x.t(mPolicy)
		}
		x.outln(name + ": " + data + " " + src)
	}
	x.outln(x.t(mConfiguration), "")
	for _, n := range []string{"EventLogFlags", "AnnounceFlags", "TimeJumpAuditOffset", "MinPollInterval",
		"MaxPollInterval", "MaxNegPhaseCorrection", "MaxPosPhaseCorrection", "MaxAllowedPhaseOffset"} {
		line("Config", n)
	}
	x.outln("")
	for _, n := range []string{"FrequencyCorrectRate", "PollAdjustFactor", "LargePhaseOffset", "SpikeWatchPeriod",
		"LocalClockDispersion", "HoldPeriod", "PhaseCorrectRate", "UpdateInterval"} {
		line("Config", n)
	}
	x.outln("", "", x.t(mTimeProviders), "")
	provider := func(sub string) string {
		name := sub[strings.LastIndexByte(sub, '\\')+1:]
		if h.reg.key(keyW32TimePolicy+`\`+sub) != nil {
			return name + " " + x.t(mPolicy)
		}
		return name + " " + x.t(mLocal)
	}
	cl := `TimeProviders\NtpClient`
	x.outln(provider(cl))
	line(cl, "DllName")
	line(cl, "Enabled")
	line(cl, "InputProvider")
	if typ == "NT5DS" || typ == "ALLSYNC" {
		line(cl, "CrossSiteSyncFlags")
	}
	for _, n := range []string{"AllowNonstandardModeCombinations", "ResolvePeerBackoffMinutes",
		"ResolvePeerBackoffMaxTimes", "CompatibilityFlags", "EventLogFlags", "LargeSampleSkew", "SpecialPollInterval"} {
		line(cl, n)
	}
	line("Parameters", "Type")
	if typ == "NTP" || typ == "ALLSYNC" {
		line("Parameters", "NtpServer")
	}
	sv := `TimeProviders\NtpServer`
	x.outln("", provider(sv))
	line(sv, "DllName")
	line(sv, "Enabled")
	line(sv, "InputProvider")
	line(sv, "AllowNonstandardModeCombinations")
	// Hyper-V's provider, where the key exists [seen in Hyper-V guests' output].
	if vm := `TimeProviders\VMICTimeProvider`; h.reg.key(keyW32Time+`\`+vm) != nil {
		x.outln("", provider(vm))
		line(vm, "DllName")
		line(vm, "Enabled")
		line(vm, "InputProvider")
	}
	x.outln("")
}

// expandSystemRoot expands %SystemRoot% (any case), the only variable W32Time's values use.
func expandSystemRoot(s, root string) string {
	const v = "%systemroot%"
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+len(v) <= len(s) && strings.EqualFold(s[i:i+len(v)], v) {
			b.WriteString(root)
			i += len(v)
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// w32Resync is "w32tm /resync": the service synchronises when it has time data (see
// timeDataAvailable). Without, w32tm prints the no-time-data line and fails with hrNoTimeData
// [inferred: exit code]; with /nowait it does not wait for the outcome and succeeds whatever
// happens [inferred].
func (x *proc) w32Resync(args []string) int {
	nowait := false
	for _, a := range args {
		name, _, _ := option(a)
		switch name {
		case "/nowait":
			nowait = true
		case "/computer", "/rediscover", "/soft":
		default:
			return x.w32Err(hrInvalidParameter)
		}
	}
	x.outln(x.t(mResyncSending))
	if !x.h.elevated {
		return x.w32Err(hrAccessDenied)
	}
	if hr, ok := x.serviceReady(); !ok {
		return x.w32Err(hr)
	}
	if x.h.timeDataAvailable() {
		x.h.resynced()
	} else if !nowait {
		x.outln(x.t(mResyncNoData))
		return w32tmExitCode(hrNoTimeData)
	}
	x.outln(x.t(mCmdOK))
	return 0
}

func (x *proc) w32Dumpreg(args []string) int {
	key := keyW32Time
	for _, a := range args {
		name, val, hasVal := option(a)
		switch name {
		case "/computer":
		case "/subkey":
			if !hasVal || val == "" {
				return x.w32Err(hrInvalidParameter)
			}
			key += `\` + strings.Trim(val, `\`)
		default:
			return x.w32Err(hrInvalidParameter)
		}
	}
	k := x.h.reg.key(key)
	if k == nil {
		return x.w32Err(hrFileNotFound)
	}
	x.outln("", fmt.Sprintf("%-27s%-20s%s", "Value Name", "Value Type", "Value Data"),
		strings.Repeat("-", 60), "")
	for _, rv := range k.values {
		data := formatRegData(rv.val)
		if rv.val.Type == "REG_DWORD" || rv.val.Type == "REG_QWORD" {
			data = strconv.FormatUint(rv.val.Num, 10)
		}
		x.outln(fmt.Sprintf("%-27s%-20s%s", rv.name, rv.val.Type, data))
	}
	x.outln("")
	return 0
}

func (x *proc) w32Register() int {
	if !x.h.elevated {
		return x.w32Err(hrAccessDenied)
	}
	writeW32TimeDefaults(x.h.reg, x.h.cfg.Profile, x.h.cfg.Role)
	if x.h.svc == svcNotInstalled {
		x.h.svc = svcStopped
	}
	x.outln(x.t(mRegistered))
	return 0
}

func (x *proc) w32Unregister() int {
	if !x.h.elevated {
		return x.w32Err(hrAccessDenied)
	}
	if x.h.svc == svcNotInstalled {
		return x.w32Err(hrServiceNotExist)
	}
	x.h.reg.deleteKey(keyW32Time)
	x.h.serviceStopped()
	x.h.svc = svcNotInstalled
	x.outln(x.t(mUnregistered))
	return 0
}

// w32Tz prints the time zone from the registry [format inferred].
func (x *proc) w32Tz() int {
	r := x.h.reg
	bias, _ := r.getValue(keyTimeZone, "Bias")
	std, _ := r.getValue(keyTimeZone, "StandardName")
	dlt, _ := r.getValue(keyTimeZone, "DaylightName")
	db, _ := r.getValue(keyTimeZone, "DaylightBias")
	cur := "TIME_ZONE_ID_UNKNOWN"
	if tz, off, ok := x.h.currentZone(); ok && tz.dst != nil && !off {
		cur = "TIME_ZONE_ID_STANDARD"
		if tz.inDST(x.h.now()) {
			cur = "TIME_ZONE_ID_DAYLIGHT"
		}
	}
	x.outln(fmt.Sprintf("Time zone: Current:%s Bias: %dmin (UTC=LocalTime+Bias)", cur, int32(bias.Num)),
		fmt.Sprintf(`  [Standard Name:"%s" Bias:0min Date:(unspecified)]`, std.Str),
		fmt.Sprintf(`  [Daylight Name:"%s" Bias:%dmin Date:(unspecified)]`, dlt.Str, int32(db.Num)))
	return 0
}
