package ntlmsrv

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	azure "github.com/Azure/go-ntlmssp"
	bodgit "github.com/bodgit/ntlmssp"
)

// domainServer is a member of EXAMPLE (example.com) named WEB-01 that knows one domain
// account, bob, under every spelling of the domain and by UPN, and logs what it was asked.
func domainServer(log *credLog) *Server {
	return &Server{
		TargetName: "WEB-01", Domain: "EXAMPLE", DNSDomain: "example.com",
		Creds: func(user, domain string) (string, bool) {
			log.mu.Lock()
			log.calls = append(log.calls, [2]string{user, domain})
			log.mu.Unlock()
			if domain == "" {
				name, suffix, ok := strings.Cut(user, "@")
				return testPassword, ok && strings.EqualFold(name, testUser) && strings.EqualFold(suffix, "example.com")
			}
			ok := strings.EqualFold(user, testUser) && (strings.EqualFold(domain, "EXAMPLE") || strings.EqualFold(domain, "example.com"))
			return testPassword, ok
		},
	}
}

// TestChallengeOfDomainMember checks that a domain member's CHALLENGE names its domain, as
// MS-NLMP 3.2.5.1.1 has a domain-joined server do, and a workgroup host's names the host.
func TestChallengeOfDomainMember(t *testing.T) {
	tests := []struct {
		name       string
		srv        *Server
		target     string
		targetType uint32
		av         map[uint16]string
	}{
		{"member", domainServer(&credLog{}), "EXAMPLE", flagTargetDomain, map[uint16]string{
			avNbDomainName: "EXAMPLE", avNbComputerName: "WEB-01", avDNSDomainName: "example.com",
			avDNSComputerName: "web-01.example.com", avDNSTreeName: "example.com",
		}},
		{"workgroup", testServer(nil), testTarget, flagTargetServer, map[uint16]string{
			avNbDomainName: testTarget, avNbComputerName: testTarget, avDNSDomainName: testTarget, avDNSComputerName: testTarget,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			neg, _ := azure.NewNegotiateMessage("", "")
			chal, _, err := tt.srv.NewConn().Step(neg)
			if err != nil {
				t.Fatal(err)
			}
			flags := binary.LittleEndian.Uint32(chal[20:])
			if flags&(flagTargetDomain|flagTargetServer) != tt.targetType {
				t.Errorf("target type flags %#x, want %#x", flags&(flagTargetDomain|flagTargetServer), tt.targetType)
			}
			if name, _ := field(chal, 12); !bytes.Equal(name, toUTF16(tt.target)) {
				t.Errorf("TargetName %q, want %q", name, tt.target)
			}
			info, err := field(chal, 40)
			if err != nil {
				t.Fatal(err)
			}
			for id, want := range tt.av {
				if v, _ := findAV(info, id); !bytes.Equal(v, toUTF16(want)) {
					t.Errorf("AV_PAIR %d = %q, want %q", id, v, want)
				}
			}
			if _, ok := findAV(info, avDNSTreeName); ok != (tt.av[avDNSTreeName] != "") {
				t.Errorf("MsvAvDnsTreeName present %v", ok)
			}
		})
	}
}

// TestDomainSpellings logs on to a member with every spelling of its domain: the proof is
// checked against the user and domain the client sent, so each verifies, with bodgit (the
// domain as typed) and Azure (the domain of the challenge, or none with a UPN).
func TestDomainSpellings(t *testing.T) {
	tests := []struct {
		name, user, domain string // as configured in the client
		azure              bool
		wantUser, wantDom  string // as the server receives them
	}{
		{name: "bodgit NetBIOS", user: "bob", domain: "EXAMPLE", wantUser: "bob", wantDom: "EXAMPLE"},
		{name: "bodgit NetBIOS lower case", user: "BOB", domain: "example", wantUser: "BOB", wantDom: "example"},
		{name: "bodgit DNS", user: "bob", domain: "example.com", wantUser: "bob", wantDom: "example.com"},
		{name: "bodgit DNS upper case", user: "Bob", domain: "EXAMPLE.COM", wantUser: "Bob", wantDom: "EXAMPLE.COM"},
		{name: "bodgit UPN", user: "bob@Example.Com", wantUser: "bob@Example.Com", wantDom: ""},
		{name: "Azure plain", user: "bob", azure: true, wantUser: "bob", wantDom: "EXAMPLE"},
		{name: "Azure DNS domain", user: `example.com\bob`, azure: true, wantUser: "bob", wantDom: "EXAMPLE"},
		{name: "Azure UPN", user: "bob@example.com", azure: true, wantUser: "bob@example.com", wantDom: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log credLog
			c := domainServer(&log).NewConn()
			if tt.azure {
				user, domain, needed := azure.GetDomain(tt.user)
				neg, _ := azure.NewNegotiateMessage(domain, "")
				chal, _, err := c.Step(neg)
				if err != nil {
					t.Fatal(err)
				}
				auth, err := azure.ProcessChallenge(chal, user, testPassword, needed)
				if err != nil {
					t.Fatal(err)
				}
				if _, done, err := c.Step(auth); err != nil || !done {
					t.Fatalf("Step(AUTHENTICATE) = done %v, err %v", done, err)
				}
			} else {
				authenticateBodgit(t, c, bodgit.SetUserInfo(tt.user, testPassword), bodgit.SetDomain(tt.domain), bodgit.SetVersion(bodgit.DefaultVersion()))
			}
			if c.User() != tt.wantUser || c.Domain() != tt.wantDom {
				t.Errorf("authenticated as %q in %q, want %q in %q", c.User(), c.Domain(), tt.wantUser, tt.wantDom)
			}
			if got := log.last(); got != [2]string{tt.wantUser, tt.wantDom} {
				t.Errorf("Creds asked for %q, want %q", got, [2]string{tt.wantUser, tt.wantDom})
			}
		})
	}
}
