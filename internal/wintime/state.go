package wintime

import (
	"maps"
	"regexp"
	"strconv"
	"strings"
)

// Settings are the time settings the provider manages.
type Settings struct {
	Type Type
	// Peers is the NtpServer list. Nil means "not managed": a plan leaves the
	// host's list as it is. An empty, non-nil list is never produced by the
	// parsers for a host that holds an NtpServer value.
	Peers []Peer
	// Reliable says whether the host announces itself as a reliable time
	// source (`w32tm /config /reliable:YES`), as the PDC emulator of a forest
	// root domain should. Nil means "not managed".
	Reliable *bool
	// Tunables holds the DWORD settings of the Tunables table, by attribute.
	// A tunable not in the map is not managed (in a state: not on the host).
	// A nil map and an empty one mean the same.
	Tunables map[string]uint32
	// Startup is the start type of the W32Time service; "" means "not
	// managed" (in a state: not known).
	Startup StartType
}

// Equal reports whether s and o ask a host for the same thing: the same Type,
// peers that mean the same (EqualPeers) and the same Reliable, where a setting
// one leaves unmanaged (nil) and the other manages counts as a difference.
// Whoever adds a field to Settings compares it here; TestSettingsEqual
// changes every field in turn and fails on one that is not.
func (s Settings) Equal(o Settings) bool {
	return s.Type == o.Type &&
		(s.Peers == nil) == (o.Peers == nil) && EqualPeers(s.Peers, o.Peers) &&
		(s.Reliable == nil) == (o.Reliable == nil) && (s.Reliable == nil || *s.Reliable == *o.Reliable) &&
		maps.Equal(s.Tunables, o.Tunables) && s.Startup == o.Startup
}

// AnnounceFlags bits (HKLM\...\W32Time\Config).
const (
	announceAlwaysReliable = 0x4
	// AnnounceReliable and AnnounceNotReliable are what `/reliable:YES` and
	// `/reliable:NO` write.
	AnnounceReliable    = 0x5
	AnnounceNotReliable = 0xa
)

// ServiceState is the state of the W32Time service.
type ServiceState string

// Service states the provider distinguishes.
const (
	ServiceRunning      ServiceState = "running"
	ServiceStopped      ServiceState = "stopped"
	ServicePending      ServiceState = "pending" // starting, stopping, pausing or paused
	ServiceNotInstalled ServiceState = "not installed"
)

// State is what one read of a host tells.
type State struct {
	Version     Version
	ProductName string // from the registry, e.g. "Windows Server 2022 Datacenter"; may be empty
	Service     ServiceState
	// Installed reports whether the W32Time Parameters key exists (it is
	// removed by `w32tm /unregister`).
	Installed bool
	// Local holds the values under the service's own Parameters key.
	Local Settings
	// PolicyType and PolicyPeers hold the Group Policy values that override
	// Local, when a policy sets them.
	PolicyType  Type
	PolicyPeers []Peer
	// AnnounceFlags is the Config value of that name; HasAnnounceFlags says
	// whether the host holds it.
	AnnounceFlags    uint32
	HasAnnounceFlags bool
	// PolicyAnnounceFlags is the Group Policy value that overrides
	// AnnounceFlags, when a policy sets it.
	PolicyAnnounceFlags *uint32
	// PolicyTunables holds the tunables Group Policy sets, by attribute;
	// they override those of Local.
	PolicyTunables map[string]uint32
}

// EffectiveAnnounceFlags is the AnnounceFlags the service uses: the Group
// Policy value where a policy sets it, the local one otherwise.
func (s State) EffectiveAnnounceFlags() uint32 {
	if s.PolicyAnnounceFlags != nil {
		return *s.PolicyAnnounceFlags
	}
	return s.AnnounceFlags
}

// Reliable reports whether the host announces itself as a reliable time source.
func (s State) Reliable() bool { return s.EffectiveAnnounceFlags()&announceAlwaysReliable != 0 }

// dword reads a REG_DWORD value of k as `reg query` prints it (0x93a80).
// Data in any other form counts as absent.
func dword(k *RegKey, name string) (uint32, bool) {
	v, ok := k.Value(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v.Data)), "0x"), 16, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// Effective returns the settings the service actually uses: Group Policy
// values where a policy sets them, the local values otherwise.
func (s State) Effective() Settings {
	e := s.Local
	if s.PolicyType != "" {
		e.Type = s.PolicyType
	}
	if s.PolicyPeers != nil {
		e.Peers = s.PolicyPeers
	}
	if len(s.PolicyTunables) > 0 {
		e.Tunables = maps.Clone(s.Local.Tunables)
		if e.Tunables == nil {
			e.Tunables = map[string]uint32{}
		}
		maps.Copy(e.Tunables, s.PolicyTunables)
	}
	return e
}

// ReadCommand is the one command line that reads everything State holds:
// the version, the W32Time service's keys (Parameters, Config and the time
// providers) and the Group Policy keys that override them, the service's
// state and its start type. Each of the two trees is listed whole by one
// `reg query /s`: shorter than one query per key, which leaves more of the
// apply line (which ends with this read) to the peers. The parts are joined
// with `&` so that a missing key (the policy tree usually is) does not stop
// the rest; the policy query's error text is discarded.
func ReadCommand() string {
	return strings.Join([]string{
		"ver",
		`reg query "` + CurrentVersionKey + `" /v ProductName`,
		`reg query "` + ServiceKey + `" /s`,
		`reg query "` + PolicyRootKey + `" /s 2>nul`,
		"sc query w32time",
		"sc qc w32time",
	}, " & ")
}

// scState matches the state line of `sc query`. The label before the colon may
// be translated; the numeric state and its symbolic name are not.
var scState = regexp.MustCompile(`:\s*(\d+)\s+(STOPPED|START_PENDING|STOP_PENDING|RUNNING|CONTINUE_PENDING|PAUSE_PENDING|PAUSED)\b`)

// ParseState reads the output of ReadCommand, or of an apply command, which
// ends with it. What precedes the version line (the apply's own steps) is
// not read, and of what follows, the first section of each key and the first
// service lines are ReadCommand's: output of other commands after it (a
// read that joins several) does not change the result.
func ParseState(out string) (State, error) {
	var s State
	if loc := verPattern.FindStringIndex(out); loc != nil {
		out = out[loc[0]:]
	}
	v, err := ParseVer(out)
	if err != nil {
		return s, err
	}
	s.Version = v

	keys := ParseRegQuery(out)
	if cv := LookupKey(keys, CurrentVersionKey); cv != nil {
		if pn, ok := cv.Value("ProductName"); ok {
			s.ProductName = pn.Data
		}
	}
	if params := LookupKey(keys, ParametersKey); params != nil {
		s.Installed = true
		s.Local = settingsFrom(params)
	}
	s.Local.Tunables = readTunables(keys, false)
	s.PolicyTunables = readTunables(keys, true)
	s.Local.Startup = parseStartType(out)
	s.AnnounceFlags, s.HasAnnounceFlags = dword(LookupKey(keys, ConfigKey), "AnnounceFlags")
	if n, ok := dword(LookupKey(keys, PolicyConfigKey), "AnnounceFlags"); ok {
		s.PolicyAnnounceFlags = &n
	}
	if policy := LookupKey(keys, PolicyParametersKey); policy != nil {
		p := settingsFrom(policy)
		s.PolicyType, s.PolicyPeers = p.Type, p.Peers
	}

	s.Service = parseService(out)
	return s, nil
}

// parseService reads the first `sc query` state in out.
func parseService(out string) ServiceState {
	m := scState.FindStringSubmatch(out)
	if m == nil {
		return ServiceNotInstalled
	}
	switch m[2] {
	case "RUNNING":
		return ServiceRunning
	case "STOPPED":
		return ServiceStopped
	}
	return ServicePending
}

// settingsFrom reads Type and NtpServer from one registry key. Absent values
// stay zero (Type "" and Peers nil). Values other tools wrote in a form this
// package does not know are kept as they are rather than refused: a Type
// outside the four names is returned verbatim, and a peer entry whose flags
// are not a number becomes a peer whose address is the whole entry. Either
// differs from any valid configuration, so a plan shows it as drift and an
// apply overwrites it.
func settingsFrom(k *RegKey) Settings {
	var st Settings
	if t, ok := k.Value("Type"); ok {
		raw := strings.TrimSpace(t.Data)
		if typ, err := ParseType(raw); err == nil {
			st.Type = typ
		} else {
			st.Type = Type(raw)
		}
	}
	if p, ok := k.Value("NtpServer"); ok {
		st.Peers = parsePeersLenient(p.Data)
	}
	return st
}

// parsePeersLenient is ParsePeers keeping unparseable entries whole.
func parsePeersLenient(s string) []Peer {
	peers := []Peer{}
	for _, field := range strings.Fields(s) {
		p, err := ParsePeers(field)
		if err != nil || len(p) != 1 {
			peers = append(peers, Peer{Address: field})
			continue
		}
		peers = append(peers, p[0])
	}
	return peers
}
