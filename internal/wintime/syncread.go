package wintime

import (
	"errors"
	"strings"
)

// SyncRead is what one read of a host's sync status tells: the settings and
// service state (as ReadCommand's), the time zone bias, and, where w32tm
// answered, its status and peers.
type SyncRead struct {
	State State
	// BiasMinutes is ActiveTimeBias (UTC = local time + bias), used to turn
	// the last sync time into UTC; HasBias says whether it was read.
	BiasMinutes int
	HasBias     bool
	// Status is nil when w32tm printed none: Server 2003 (no /query, see
	// HasQuery), or the service is stopped or not installed (State.Service
	// says which).
	Status *Status
	// Peers is nil when w32tm printed no peer list, for the same reasons.
	Peers []PeerStatus
}

// ConfiguredSource is what State says the host takes its time from, for
// hosts whose w32tm cannot be asked (Server 2003): the effective NtpServer
// list as the registry holds it when the effective Type uses it (NTP,
// AllSync), else "" (NoSync, or the domain hierarchy, whose server the
// registry does not name).
func ConfiguredSource(s State) string {
	e := s.Effective()
	if e.Type.NeedsPeers() && e.Peers != nil {
		return FormatPeers(e.Peers)
	}
	return ""
}

// SyncReadCommand is the one command line that reads everything SyncRead
// holds, on every version: ReadCommand's reads, ActiveTimeBias, then w32tm's
// status and peers. Server 2003's w32tm answers /query with "The command
// /query is unknown." and a stopped service with its error: the parser finds
// no status then, which is not an error. The line ends with w32tm, so its
// exit code is not a verdict on the read: decide by what ParseSyncRead finds.
func SyncReadCommand() string {
	return strings.Join([]string{
		ReadCommand(),
		`reg query "` + TimeZoneKey + `" /v ActiveTimeBias`,
		"w32tm /query /status /verbose",
		"w32tm /query /peers",
	}, " & ")
}

// ParseSyncRead reads the output of SyncReadCommand. Errors are those of a
// read that failed as a whole (no `ver` output) or of w32tm output that has
// the shape of a status or a peer list but not all of it.
func ParseSyncRead(out string) (SyncRead, error) {
	var r SyncRead
	st, err := ParseState(out)
	if err != nil {
		return r, err
	}
	r.State = st
	if z, err := ParseTimeZone(out); err == nil && z.HasActiveBias {
		r.BiasMinutes, r.HasBias = z.ActiveBiasMinutes, true
	}
	s, err := ParseStatus(out, r.BiasMinutes)
	switch {
	case err == nil:
		r.Status = &s
	case !errors.Is(err, ErrNoStatus):
		return r, err
	}
	peers, found, err := ParsePeerStatus(out)
	if err != nil {
		return r, err
	}
	if found {
		r.Peers = peers
	}
	return r, nil
}
