package winhost

import (
	"fmt"
	"strings"
)

// isW32Time reports whether a name given to net or sc means the Windows Time service.
func isW32Time(name string) bool {
	return strings.EqualFold(name, "w32time") || strings.EqualFold(name, "Windows Time")
}

// progNet emulates net.exe start and stop for W32Time.
func progNet(x *proc) int {
	if len(x.args) == 0 {
		x.errln("The syntax of this command is:", "", "NET", "    [ ACCOUNTS | COMPUTER | CONFIG | CONTINUE | FILE | GROUP | HELP |",
			"      HELPMSG | LOCALGROUP | PAUSE | SESSION | SHARE | START |",
			"      STATISTICS | STOP | TIME | USE | USER | VIEW ]", "")
		return 1
	}
	verb := strings.ToUpper(x.args[0])
	if verb != "START" && verb != "STOP" {
		x.errln("The syntax of this command is:", "", "NET "+verb, "")
		return 1
	}
	if len(x.args) == 1 {
		if verb == "STOP" {
			x.errln("The syntax of this command is:", "", "NET STOP", "service", "")
			return 1
		}
		x.outln(x.t(mNetStartedList), "")
		for _, s := range []string{"Base Filtering Engine", "DHCP Client", "DNS Client", "Remote Procedure Call (RPC)", "Windows Event Log", "Windows Remote Management (WS-Management)"} {
			x.outln("   " + s)
		}
		if x.h.svc == svcRunning {
			x.outln("   Windows Time")
		}
		x.outln("", x.t(mCmdOK), "")
		return 0
	}
	name := strings.Join(x.args[1:], " ")
	helpErr := func(m msg, help int, a ...any) int {
		x.errln(x.t(m, a...), "", x.t(mNetHelp, help), "")
		return exitNet
	}
	if !isW32Time(name) || x.h.svc == svcNotInstalled {
		return helpErr(mNetInvalidName, 2185)
	}
	if !x.h.elevated {
		x.errln(x.t(mNetSysErr5), "", x.t(mNetAccessDenied), "")
		return exitNet
	}
	const display = "Windows Time"
	if verb == "START" {
		if x.h.svc == svcRunning {
			return helpErr(mNetAlreadyStarted, 2182)
		}
		if start, _ := x.h.startConfig(); start == startDisabled {
			// The text of error 1058 is seen; the layout is inferred from error 5's.
			x.errln(x.t(mNetSysErr1058), "", x.t(mNetDisabled), "")
			return exitNet
		}
		x.h.svc = svcRunning
		x.h.serviceStarted()
		x.outln(x.t(mNetStarting, display), x.t(mNetStarted, display), "")
		return 0
	}
	if x.h.svc != svcRunning {
		return helpErr(mNetNotStarted, 3521, display)
	}
	x.h.serviceStopped()
	x.outln(x.t(mNetStopping, display), x.t(mNetStopped, display), "")
	return 0
}

// progSC emulates sc.exe's query, queryex, qc and config, and from 2008 R2 on triggerinfo and
// qtriggerinfo, for W32Time. Like sc.exe it prints errors on standard output.
func progSC(x *proc) int {
	a := x.args
	if len(a) > 0 && strings.HasPrefix(a[0], `\\`) {
		a = a[1:] // a server name: always this host
	}
	cmd := ""
	if len(a) > 0 {
		cmd = strings.ToLower(a[0])
	}
	triggers := x.h.cfg.Profile.atLeast(P2008R2)
	switch {
	case cmd == "query" || cmd == "queryex":
		return x.scQuery(a)
	case cmd == "qc":
		return x.scQC(a[1:])
	case cmd == "config":
		return x.scConfig(a[1:])
	case cmd == "triggerinfo" && triggers:
		return x.scTriggerInfo(a[1:])
	case cmd == "qtriggerinfo" && triggers:
		return x.scQTriggerInfo(a[1:])
	}
	x.outln("DESCRIPTION:", "        SC is a command line program used for communicating with the",
		"        Service Control Manager and services.", "USAGE:", "        sc <server> [command] [service name] <option1> <option2>...", "")
	return exitSCUsage
}

// scQuery emulates "sc query NAME" and "sc queryex NAME".
func (x *proc) scQuery(a []string) int {
	ex := strings.EqualFold(a[0], "queryex")
	name := "w32time"
	if len(a) > 1 {
		name = a[1]
	}
	// sc takes the service name only, not the display name.
	if !strings.EqualFold(name, "w32time") || x.h.svc == svcNotInstalled {
		x.outln("[SC] EnumQueryServicesStatus:OpenService FAILED 1060:", "", x.t(mSCNotExist), "")
		return 1060
	}
	state, flags := "1  STOPPED", "(NOT_STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)"
	if x.h.svc == svcRunning {
		state, flags = "4  RUNNING", "(STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)"
	}
	x.outln("", "SERVICE_NAME: "+name,
		"        TYPE               : 20  WIN32_SHARE_PROCESS  ",
		"        STATE              : "+state+" ",
		"                                "+flags,
		"        WIN32_EXIT_CODE    : 0  (0x0)",
		"        SERVICE_EXIT_CODE  : 0  (0x0)",
		"        CHECKPOINT         : 0x0",
		"        WAIT_HINT          : 0x0")
	if ex {
		pid := "0"
		if x.h.svc == svcRunning {
			pid = "1234"
		}
		x.outln("        PID                : "+pid, "        FLAGS              : ")
	}
	return 0
}

// progTzutil emulates tzutil.exe (2008 R2 and later): /g, /s, /l.
func progTzutil(x *proc) int {
	if len(x.args) == 0 {
		x.outln("Windows Time Zone Utility", "", "Usage:", "TZUTIL </? | /g | /s TimeZoneID[_dstoff] | /l>")
		return 0
	}
	switch strings.ToLower(x.args[0]) {
	case "/g":
		v, _ := x.h.reg.getValue(keyTimeZone, "TimeZoneKeyName")
		id := v.Str
		if off, _ := x.h.reg.getValue(keyTimeZone, "DynamicDaylightTimeDisabled"); off.Num != 0 {
			id += dstOffSuffix // [inferred]
		}
		// tzutil /g prints the name without a line end [seen].
		fmt.Fprint(x.out, id)
		return 0
	case "/l":
		for i, tz := range tzList {
			if i > 0 {
				x.outln("")
			}
			display, _, _ := x.h.zoneNames(tz)
			x.outln(display, tz.id)
		}
		return 0
	case "/s":
		if len(x.args) < 2 {
			break
		}
		id, dstOff := strings.CutSuffix(x.args[1], dstOffSuffix)
		tz, ok := findTimeZone(id)
		if !ok {
			x.errln(x.t(mTzInvalid))
			return 87 // ERROR_INVALID_PARAMETER [inferred]
		}
		if !x.h.elevated {
			x.errln("Access is denied.")
			return 5
		}
		x.h.setTimeZone(tz, dstOff)
		return 0
	}
	x.errln("Invalid parameter.")
	return 87
}

// dstOffSuffix follows a zone id in tzutil to mean "daylight saving adjustment off".
const dstOffSuffix = "_dstoff"

// progRundll32 emulates the one rundll32.exe use the provider makes: the Date and Time control
// panel applet's /Z switch, which sets the time zone whose id is the rest of the line, on releases
// without tzutil. It prints nothing and exits 0 whatever happens, leaving the zone unchanged for an
// unknown id or a session that is not an administrator's [inferred: rundll32 reports nothing];
// trailing blanks of the id are ignored [inferred]. Any other use does nothing, also with exit 0.
func progRundll32(x *proc) int {
	const applet = "shell32.dll,control_rundll timedate.cpl,,/z "
	rest := strings.TrimLeft(x.raw, " \t")
	if len(rest) <= len(applet) || !strings.EqualFold(rest[:len(applet)], applet) {
		return 0
	}
	tz, ok := findTimeZone(strings.TrimRight(rest[len(applet):], " \t"))
	if ok && x.h.elevated {
		x.h.setTimeZone(tz, false)
	}
	return 0
}
