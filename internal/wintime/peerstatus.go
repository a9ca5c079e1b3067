package wintime

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// PeerStatus is one peer of `w32tm /query /peers`.
type PeerStatus struct {
	// Peer is the peer as printed: its address and, for a configured NTP
	// peer, its flags (time.windows.com,0x9); a domain peer has no flags.
	// Raw is the line's value as printed.
	Peer Peer
	Raw  string
	// State is as printed and translated (Active, Pending; アクティブ): it
	// is shown to users, never decided on.
	State string
	// TimeRemaining is the seconds until the next poll.
	TimeRemaining float64
	// Mode is the NTP association mode number (1 symmetric active,
	// 3 client).
	Mode    int
	Stratum int
	// PeerPoll and HostPoll are log2 seconds; the ...Seconds fields are 2 to
	// those powers.
	PeerPoll, HostPoll               int
	PeerPollSeconds, HostPollSeconds int
}

// peersCount matches the value of the first line of `w32tm /query /peers`,
// `#Peers: 2` (`#ピア: 2` in Japanese): the label starts with '#'.
var peersCount = regexp.MustCompile(`^\d+$`)

// peerLine is the value pattern of each line of a peer's block, in the order
// w32tm prints them (windows-time.md and the simulator; the order is the same
// in every language, and /verbose adds lines after these):
//
//	0 Peer: time.windows.com,0x9              ピア: ...
//	1 State: Active                           状態: アクティブ
//	2 Time Remaining: 1510.9914014s           残り時間: ...
//	3 Mode: 3 (Client)                        モード: 3 (クライアント)
//	4 Stratum: 2 (secondary reference - ...)  階層: 2 (...)
//	5 PeerPoll Interval: 10 (1024s)           ピア ポーリング間隔: ...  (0 (unspecified) before the first poll)
//	6 HostPoll Interval: 10 (1024s)           ホスト ポーリング間隔: ...
var peerLine = [...]*regexp.Regexp{
	regexp.MustCompile(`\S`),
	regexp.MustCompile(`\S`),
	secondsValue,
	regexp.MustCompile(`^\d+\b`),
	regexp.MustCompile(`^\d+\b`),
	peerPollValue,
	peerPollValue,
}

// peerPollValue is a peer's poll interval: as pollValue, or a number with
// a word in brackets for a peer not yet polled (0 (unspecified)) [inferred].
var peerPollValue = regexp.MustCompile(`^-?\d{1,2}\s*\(`)

// ParsePeerStatus finds the output of `w32tm /query /peers` in out and reads
// its peers. found is false when out holds none (w32tm failed, or has no
// /query). A count line followed by peer blocks that do not have the expected
// shape, or fewer blocks than counted, is an error.
func ParsePeerStatus(out string) (peers []PeerStatus, found bool, err error) {
	ls := lines(out)
	for i, line := range ls {
		l, ok := splitLabel(line)
		if !ok || !strings.HasPrefix(l.label, "#") || !peersCount.MatchString(l.value) {
			continue
		}
		n, _ := strconv.Atoi(l.value)
		peers, err := parsePeerBlocks(ls[i+1:], n)
		return peers, true, err
	}
	return nil, false, nil
}

// parsePeerBlocks reads n blocks separated by blank lines.
func parsePeerBlocks(ls []string, n int) ([]PeerStatus, error) {
	peers := []PeerStatus{}
	i := 0
	for len(peers) < n {
		for i < len(ls) && strings.TrimSpace(ls[i]) == "" {
			i++
		}
		start := i
		for i < len(ls) && strings.TrimSpace(ls[i]) != "" {
			i++
		}
		if start == i {
			return nil, fmt.Errorf("w32tm /query /peers counted %d peers but printed %d", n, len(peers))
		}
		p, err := parsePeerBlock(ls[start:i])
		if err != nil {
			return nil, fmt.Errorf("peer %d of w32tm /query /peers: %w", len(peers)+1, err)
		}
		peers = append(peers, p)
	}
	return peers, nil
}

func parsePeerBlock(block []string) (PeerStatus, error) {
	if len(block) < len(peerLine) {
		return PeerStatus{}, fmt.Errorf("%d lines, not the %d expected", len(block), len(peerLine))
	}
	var v [len(peerLine)]string
	for i, re := range peerLine {
		l, ok := splitLabel(block[i])
		if !ok || !re.MatchString(l.value) {
			return PeerStatus{}, fmt.Errorf("line %d (%q) does not have the expected shape", i+1, block[i])
		}
		v[i] = l.value
	}
	p := PeerStatus{Raw: v[0], State: v[1], TimeRemaining: seconds(v[2]), Mode: atoiPrefix(v[3]), Stratum: atoiPrefix(v[4])}
	p.Peer = Peer{Address: v[0]}
	if parsed, err := ParsePeers(v[0]); err == nil && len(parsed) == 1 {
		p.Peer = parsed[0]
	}
	p.PeerPoll, p.PeerPollSeconds = pollInterval(v[5])
	p.HostPoll, p.HostPollSeconds = pollInterval(v[6])
	return p, nil
}
