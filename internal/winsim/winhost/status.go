package winhost

import (
	"strconv"
	"strings"
	"time"
)

// This file prints "w32tm /query /source", "/status [/verbose]" and "/peers" (Server 2008 and
// later) from the service's synchronisation (sync.go) and its effective configuration.

// Simulated addresses of the time sources [inferred]: ReferenceId is the source's IPv4 address.
const (
	ntpSourceIP = "128.140.109.119" // what the reference's [seen] status shows
	dcSourceIP  = "10.0.0.10"       // DC01
)

// statusSource is what the service synchronises from now: the source's name as w32tm prints it,
// whether it is the domain hierarchy, and ok false when it is not synchronised (the local clock).
func (h *Machine) statusSource() (src string, domain, ok bool) {
	src, hasSrc := h.timeSource()
	if !h.synced || !hasSrc {
		return "", false, false
	}
	return src, src == h.dcName(), true
}

// w32Source prints "w32tm /query /source": the source, or the local clock [seen].
func (x *proc) w32Source() {
	src, _, ok := x.h.statusSource()
	if !ok {
		src = x.t(mLocalCMOS)
	}
	x.outln(src)
}

// w32Status prints "w32tm /query /status [/verbose]". The nine lines and their values are [seen] in
// English and Japanese (windows-time.md sections 4 and 8), including the blank line that ends the
// output; the precision of releases before 2016 and every verbose line are [inferred].
func (x *proc) w32Status(verbose bool) {
	h := x.h
	src, domain, synced := h.statusSource()
	poll := h.minPoll()
	if synced {
		ip, ref := ntpSourceIP, uint32(0x808C6D77)
		if domain {
			ip, ref = dcSourceIP, 0x0A00000A
		}
		x.outln(x.t(mLeap, x.t(mLeapNone)), x.t(mStratumSynced, 3), x.precision(),
			x.t(mRootDelay, "0.0220277s"), x.t(mRootDispersion, "7.8241058s"),
			x.t(mReferenceID, x.t(mRefSourceIP, ref, ip)),
			x.t(mLastSync, x.formatTime(h.lastSync)), x.t(mSource, src), x.t(mPollInterval, poll, 1<<poll))
	} else {
		x.outln(x.t(mLeap, x.t(mLeapUnsync)), x.t(mStratumNone), x.precision(),
			x.t(mRootDelay, "0.0000000s"), x.t(mRootDispersion, "0.0000000s"),
			x.t(mReferenceID, x.t(mRefUnspecified)),
			x.t(mLastSync, x.t(mUnspecified)), x.t(mSource, x.t(mLocalCMOS)), x.t(mPollInterval, poll, 1<<poll))
	}
	x.outln("")
	if !verbose {
		return
	}
	// The verbose block [inferred from published output: its lines and their order].
	role := x.t(mRoleNone)
	if h.cfg.Role == DomainController {
		role = x.t(mRoleTimeService)
	}
	since := h.now().Sub(h.started)
	if synced {
		since = h.now().Sub(h.lastSync)
		x.outln(x.t(mPhaseOffset, "0.0000375s"), x.t(mClockRate, x.clockRate()), x.t(mStateMachine, x.t(mStateSync)),
			x.t(mTimeSourceFlags), x.t(mServerRole, role), x.t(mLastSyncError, 0, x.t(mCmdOK)))
	} else {
		x.outln(x.t(mPhaseOffset, "0.0000000s"), x.t(mClockRate, x.clockRate()), x.t(mStateMachine, x.t(mStateUnset)),
			x.t(mTimeSourceFlags), x.t(mServerRole, role), x.t(mLastSyncError, 1, x.t(mResyncNoData)))
	}
	x.outln(x.t(mSinceLastGoodSync, seconds(since)), "")
}

// precision is the Precision line: 2016 brought the high-accuracy clock, -23 (119.209ns per tick)
// [seen]; earlier releases tick every 15.625 ms, -6 [inferred].
func (x *proc) precision() string {
	if x.h.cfg.Profile.atLeast(P2016) {
		return x.t(mPrecision, -23, "119.209ns")
	}
	return x.t(mPrecision, -6, "15.625ms")
}

// clockRate is the verbose ClockRate line's value [inferred]: the clock tick.
func (x *proc) clockRate() string {
	if x.h.cfg.Profile.atLeast(P2016) {
		return "0.0010000s"
	}
	return "0.0156250s"
}

// minPoll is the effective MinPollInterval, the log2 seconds the service polls at (10 when unset).
func (h *Machine) minPoll() int {
	v, _ := h.effective("Config", "MinPollInterval")
	if v.Type != "REG_DWORD" || v.Num > 17 {
		return 10
	}
	return int(v.Num)
}

// seconds formats a duration as w32tm does: 431.4131078s.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 7, 64) + "s"
}

// w32Peers prints "w32tm /query /peers": the peers the effective configuration names, Active once
// the service has synchronised, Pending before [inferred: the layout of a peer not yet polled].
func (x *proc) w32Peers() {
	h := x.h
	src, hasSrc := h.timeSource()
	var peers []string
	if hasSrc {
		t, _ := h.effective("Parameters", "Type")
		if src == h.dcName() && !strings.EqualFold(t.Str, "NTP") {
			peers = []string{src}
		} else {
			peers = h.peerList()
		}
	}
	x.outln(x.t(mPeersCount, len(peers)), "")
	poll := h.minPoll()
	for _, p := range peers {
		mode := x.t(mModeClient)
		if flags, ok := peerFlags(p); ok && flags&0x8 == 0 {
			mode = x.t(mModeSymmetric)
		}
		x.outln(x.t(mPeer, p))
		if h.synced {
			x.outln(x.t(mState, x.t(mStateActive)), x.t(mTimeRemaining, "1510.9914014s"), x.t(mMode, mode),
				x.t(mPeerStratum, 2), x.t(mPeerPoll, poll, 1<<poll), x.t(mHostPoll, poll, 1<<poll), "")
			continue
		}
		remaining := 15 * time.Minute // ResolvePeerBackoffMinutes
		if !h.syncDue.IsZero() {
			remaining = h.syncDue.Sub(h.now())
		}
		x.outln(x.t(mState, x.t(mStatePending)), x.t(mTimeRemaining, seconds(remaining)), x.t(mMode, mode),
			x.t(mPeerStratumNone), x.t(mPeerPollNone), x.t(mHostPoll, poll, 1<<poll), "")
	}
}

// peerFlags reads the flags of a configured peer ("name,0x9"); ok is false when it has none.
func peerFlags(p string) (uint64, bool) {
	_, f, ok := strings.Cut(p, ",")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(f), "0x"), 16, 32)
	return n, err == nil
}

// formatTime prints a UTC instant in the host's local time (its ActiveTimeBias) the way the
// locale's short date and long time formats do: 9/5/2024 3:45:06 PM [seen]; in Japanese
// 2022/01/10 1:45:54, the hour not zero-padded [seen].
func (x *proc) formatTime(t time.Time) string {
	t = x.h.localTime(t)
	if x.h.cfg.Locale == JaJP {
		return t.Format("2006/01/02 ") + strconv.Itoa(t.Hour()) + t.Format(":04:05")
	}
	return t.Format("1/2/2006 3:04:05 PM")
}

// localTime turns an instant into the host's wall clock: UTC minus ActiveTimeBias minutes.
func (h *Machine) localTime(t time.Time) time.Time {
	b, _ := h.reg.getValue(keyTimeZone, "ActiveTimeBias")
	return t.UTC().Add(-time.Duration(int32(b.Num)) * time.Minute)
}
