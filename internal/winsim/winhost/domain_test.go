package winhost

import (
	"strings"
	"testing"
)

// TestDomainFacts checks that every fact naming the domain follows the configured names: the
// primary DNS suffix, WMI's Domain, the session's USERDOMAIN and the controller a member
// synchronises from.
func TestDomainFacts(t *testing.T) {
	tests := []struct {
		name            string
		cfg             Config
		dns, nb, source string
	}{
		{"member default", Config{Role: Member}, "example.com", "EXAMPLE", "DC01.example.com"},
		{"member named", Config{Role: Member, Domain: "corp", DNSDomain: "corp.example.net"}, "corp.example.net", "CORP", "DC01.corp.example.net"},
		{"dc named", Config{Role: DomainController, Domain: "AD", DNSDomain: "ad.example.org"}, "ad.example.org", "AD", "DC01.ad.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, tt.cfg)
			if cfg := h.Config(); cfg.Domain != tt.nb || cfg.DNSDomain != tt.dns {
				t.Errorf("Config() domain %q (%q), want %q (%q)", cfg.Domain, cfg.DNSDomain, tt.nb, tt.dns)
			}
			for _, name := range []string{"Domain", "NV Domain"} {
				v, ok := h.GetValue(keyTcpip, name)
				if !ok || v.Str != tt.dns {
					t.Errorf("Tcpip %s = %q, want %q", name, v.Str, tt.dns)
				}
			}
			if got := mustRun(t, h, "wmic computersystem get Domain /value"); !strings.Contains(got, "Domain="+tt.dns+"\r") {
				t.Errorf("wmic Domain: %q, want %s", got, tt.dns)
			}
			if got := mustRun(t, h, "echo %USERDOMAIN%"); got != tt.nb+"\r\n" {
				t.Errorf("USERDOMAIN: %q, want %s", got, tt.nb)
			}
			if got := mustRun(t, h, "w32tm /query /source"); got != tt.source+"\r\n" {
				t.Errorf("source: %q, want %s", got, tt.source)
			}
		})
	}
}

// TestDomainRefused checks the domain names New refuses, and that a workgroup host takes none.
func TestDomainRefused(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"standalone with a domain", Config{Role: Standalone, Domain: "EXAMPLE"}},
		{"standalone with a DNS domain", Config{DNSDomain: "example.com"}},
		{"NetBIOS name too long", Config{Role: Member, Domain: "ABCDEFGHIJKLMNOP"}},
		{"NetBIOS name with a dot", Config{Role: Member, Domain: "EX.AMPLE"}},
		{"NetBIOS name with a metacharacter", Config{Role: Member, Domain: "EX&AMPLE"}},
		{"DNS name with an empty label", Config{Role: Member, DNSDomain: "example..com"}},
		{"DNS name with a hyphen first", Config{Role: DomainController, DNSDomain: "-example.com"}},
		{"DNS name with a percent", Config{Role: Member, DNSDomain: "ex%PATH%.com"}},
		{"DNS name with a blank", Config{Role: Member, DNSDomain: "example .com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Errorf("New(%+v) succeeded", tt.cfg)
			}
		})
	}
	h := newHost(t, Config{})
	if cfg := h.Config(); cfg.Domain != "" || cfg.DNSDomain != "" {
		t.Errorf("a standalone host has domain %q (%q)", cfg.Domain, cfg.DNSDomain)
	}
}
