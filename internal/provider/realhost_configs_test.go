package provider

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// hostSpellings returns two other spellings of host (host[:port]) that name
// the same host to the provider: lower case and upper case, and the upper
// case with a trailing dot (a fully qualified name). The loopback address of
// the simulated hosts is spelt localhost. A real host given by an IP address
// has no such spelling: the test skips.
func hostSpellings(t *testing.T, host string) (lower, upper, upperDot string) {
	t.Helper()
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = host, ""
	}
	if name == "127.0.0.1" {
		name = "localhost"
	}
	if net.ParseIP(name) != nil {
		skipReal(t, fmt.Sprintf("needs a host given by name (%s is an IP address, which has no other spelling)", host))
	}
	join := func(n string) string {
		if port == "" {
			return n
		}
		return net.JoinHostPort(n, port)
	}
	return join(strings.ToLower(name)), join(strings.ToUpper(name)), join(strings.ToUpper(name) + ".")
}

// withProviderHost returns tg's provider block with host set to host.
func withProviderHost(tg *target, host string) string {
	return strings.Replace(tg.provider, `provider "windows" {`, fmt.Sprintf("provider \"windows\" {\n  host = %q\n", host), 1)
}

// fleetConfigFor is tgs[0]'s provider block with providerHost as its host
// (unless empty) and windows_ntp_config.fleet, one instance (by count, as in
// fleetConfig) per target of tgs, each with body.
func fleetConfigFor(providerHost string, base *target, tgs []*target, body string) string {
	provider := base.provider
	if providerHost != "" {
		provider = withProviderHost(base, providerHost)
	}
	addrs := make([]string, len(tgs))
	for i, tg := range tgs {
		addrs[i] = fmt.Sprintf("%q", tg.host)
	}
	return provider + fmt.Sprintf(`
locals {
  hosts = [%s]
}

resource "windows_ntp_config" "fleet" {
  count = length(local.hosts)
  host  = local.hosts[count.index]
%s
}
`, strings.Join(addrs, ", "), body)
}

// checkRegistryNot asserts that a W32Time Parameters value on the host is
// not unwanted (for a reset, whose defaults are the host's own).
func checkRegistryNot(t *testing.T, tg *target, name, unwanted string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if v, ok := tg.query(t, wintime.ParametersKey, name); ok && v.Data == unwanted {
			return fmt.Errorf("registry value %s is still %q", name, v.Data)
		}
		return nil
	}
}

// osName is the os_name the data sources report for tg: the release of the
// version the suite read from a real host, or the simulated profile's.
func osName(tg *target, simulated string) string {
	if tg.lab != nil {
		return tg.lab.snap.Version.Release()
	}
	return simulated
}

// passwordVariable is the declaration of the sensitive variable
// "password" that passwordVariables fill.
const passwordVariable = `
variable "password" {
  type      = string
  sensitive = true
}
`

// passwordVariables returns, for a test whose provider block takes its
// password from an expression, the username line of that block and the
// variables that give passwordVariable tg's password: a real host's
// (WINDOWS_PASSWORD) is never written into a configuration, and its account
// is WINDOWS_USERNAME's, which the provider reads itself.
func passwordVariables(tg *target) (usernameLine string, vars config.Variables) {
	if tg.lab != nil {
		return "", config.Variables{"password": config.StringVariable(os.Getenv("WINDOWS_PASSWORD"))}
	}
	return fmt.Sprintf("  username = %q\n", simUser), config.Variables{"password": config.StringVariable(simPassword)}
}

// checkAnnounceFlags asserts the W32Time Config value AnnounceFlags on the
// host: what reliable = true or false writes (wintime.AnnounceReliable,
// wintime.AnnounceNotReliable).
func checkAnnounceFlags(t *testing.T, tg *target, want uint32) func(*terraform.State) error {
	return func(*terraform.State) error {
		v, ok := tg.query(t, wintime.ConfigKey, "AnnounceFlags")
		if w := fmt.Sprintf("0x%x", want); !ok || v.Data != w {
			return fmt.Errorf("registry value AnnounceFlags = %q (present: %v), want %s", v.Data, ok, w)
		}
		return nil
	}
}
