package winhost

import (
	"fmt"
	"strings"
)

// The domain a member or controller belongs to when its Config names none.
const (
	DefaultDomain    = "EXAMPLE"
	DefaultDNSDomain = "example.com"
)

// checkDomain fills in the domain of a member or controller and checks its names: a NetBIOS
// name of 1 to 15 letters, digits and hyphens (kept upper case, as Windows shows it), and a DNS
// name of such labels (up to 63 characters each) joined by dots. A standalone host takes neither.
func (cfg *Config) checkDomain() error {
	if cfg.Role == Standalone {
		if cfg.Domain != "" || cfg.DNSDomain != "" {
			return fmt.Errorf("winhost: a standalone host belongs to a workgroup, not to domain %q: use role member or dc", cfg.Domain+cfg.DNSDomain)
		}
		return nil
	}
	if cfg.Domain == "" {
		cfg.Domain = DefaultDomain
	}
	if cfg.DNSDomain == "" {
		cfg.DNSDomain = DefaultDNSDomain
	}
	if len(cfg.Domain) > 15 || !isLabel(cfg.Domain) {
		return fmt.Errorf("winhost: invalid NetBIOS domain name %q (want 1 to 15 letters, digits or hyphens, e.g. EXAMPLE)", cfg.Domain)
	}
	cfg.Domain = strings.ToUpper(cfg.Domain)
	labels := strings.Split(cfg.DNSDomain, ".")
	for _, l := range labels {
		if len(l) > 63 || !isLabel(l) || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("winhost: invalid DNS domain name %q (want labels of letters, digits or hyphens joined by dots, e.g. example.com)", cfg.DNSDomain)
		}
	}
	if len(cfg.DNSDomain) > 253 {
		return fmt.Errorf("winhost: DNS domain name %q is longer than 253 characters", cfg.DNSDomain)
	}
	return nil
}

// isLabel reports whether s is non-empty and only ASCII letters, digits and hyphens.
func isLabel(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// dcName is the DNS name of the domain controller members synchronise from [inferred].
func (h *Machine) dcName() string { return simDCPrefix + "." + h.cfg.DNSDomain }
