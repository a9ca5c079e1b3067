package wintime

import (
	"fmt"
	"strconv"
)

// PolicyOverrides returns what Group Policy sets on the host, by the
// attribute of windows_ntp_config it overrides, each value written as the
// attribute shows it (ntp_servers as the NtpServer text).
func (s State) PolicyOverrides() map[string]string {
	out := map[string]string{}
	if s.PolicyType != "" {
		out["type"] = string(s.PolicyType)
	}
	if s.PolicyPeers != nil {
		out["ntp_servers"] = FormatPeers(s.PolicyPeers)
	}
	if s.PolicyAnnounceFlags != nil {
		out["reliable"] = strconv.FormatBool(*s.PolicyAnnounceFlags&announceAlwaysReliable != 0)
	}
	for _, t := range Tunables {
		if n, ok := s.PolicyTunables[t.Attr]; ok {
			out[t.Attr] = t.Format(n)
		}
	}
	return out
}

// PolicyConflict is a setting the configuration asks for that Group Policy
// holds at another value: written locally, it would not be used.
type PolicyConflict struct {
	Attr   string // the attribute
	Policy string // the policy's value, as the attribute shows it
	Want   string // the configured value, as the attribute shows it
	Key    string // the policy key that holds it
}

func (c PolicyConflict) String() string {
	return fmt.Sprintf("%s: Group Policy sets it to %s (under %s), which overrides the local value, so the "+
		"configured %s would be written but never used. Change or remove the policy, or leave %s out of the "+
		"configuration (or set it to the policy's value)", c.Attr, c.Policy, c.Key, c.Want, c.Attr)
}

// PolicyConflicts compares the settings want manages with policy (as
// PolicyOverrides returns it, or as a state recorded it) and returns those
// that Group Policy holds at another value. A plan warns of them; an apply
// refuses them.
func PolicyConflicts(policy map[string]string, want Settings) []PolicyConflict {
	var out []PolicyConflict
	add := func(attr, key, want string) {
		out = append(out, PolicyConflict{Attr: attr, Policy: policy[attr], Want: want, Key: key})
	}
	if p, ok := policy["type"]; ok && want.Type != "" && p != string(want.Type) {
		add("type", PolicyParametersKey, string(want.Type))
	}
	if p, ok := policy["ntp_servers"]; ok && want.Peers != nil && !EqualPeers(parsePeersLenient(p), want.Peers) {
		add("ntp_servers", PolicyParametersKey, FormatPeers(want.Peers))
	}
	if p, ok := policy["reliable"]; ok && want.Reliable != nil && p != strconv.FormatBool(*want.Reliable) {
		add("reliable", PolicyConfigKey, strconv.FormatBool(*want.Reliable))
	}
	for _, t := range Tunables {
		n, managed := want.Tunables[t.Attr]
		p, held := policy[t.Attr]
		if !managed || !held {
			continue
		}
		if pn, err := t.Parse(p); err != nil || !t.same(pn, n) {
			add(t.Attr, t.PolicyKey, t.Format(n))
		}
	}
	return out
}
