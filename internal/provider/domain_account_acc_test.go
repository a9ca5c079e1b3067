package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// TestAccDomainAccount manages the time settings of domain members and controllers as the
// domain account EXAMPLE\timeadmin, written each way Windows takes it, over NTLM: the
// provider sends the domain as written (NetBIOS or DNS name), and the host checks the
// password against the domain's account as its controller would.
func TestAccDomainAccount(t *testing.T) {
	needSim(t, "logs on as the domain account EXAMPLE\\timeadmin of the simulator's domain, and counts logons and shell owners")
	forms := []string{`EXAMPLE\timeadmin`, `example.com\timeadmin`, `timeadmin@example.com`, `Example.COM\TimeAdmin`}
	for _, profile := range []winhost.Profile{winhost.P2003, winhost.P2022} {
		for _, role := range []winhost.Role{winhost.Member, winhost.DomainController} {
			for _, form := range forms {
				t.Run(fmt.Sprintf("%s/%s/%s", profile, role, form), func(t *testing.T) {
					tg := newTarget(t, winsim.Options{Profile: profile, Role: role, Username: `EXAMPLE\timeadmin`, Password: simPassword})
					tg.provider = fmt.Sprintf("provider \"windows\" {\n  username = %q\n  password = %q\n  timeout  = \"30s\"\n}\n", form, simPassword)
					accTest(t, resource.TestCase{
						ProtoV6ProviderFactories: testFactories(t),
						Steps: []resource.TestStep{{
							Config: ntpConfig(tg, "NTP", twoPeers, ""),
							Check: resource.ComposeAggregateTestCheckFunc(
								checkRegistry(t, tg, "Type", "NTP"),
								checkDomainLogons(tg.sim),
							),
						}},
					})
				})
			}
		}
	}
	t.Run("another domain", func(t *testing.T) {
		h := simHost(t, "logs on as an account of the simulator's domain", winsim.Options{Role: winhost.Member, Username: `EXAMPLE\timeadmin`, Password: simPassword})
		cfg := fmt.Sprintf(`
provider "windows" {
  username = "OTHER\\timeadmin"
  password = %q
}

resource "windows_ntp_config" "test" {
  host = %q
  type = "NT5DS"
}
`, simPassword, h.Addr())
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps:                    []resource.TestStep{{Config: cfg, ExpectError: regexp.MustCompile(`authentication failed for OTHER\\timeadmin`)}},
		})
	})
}

// checkDomainLogons asserts that the host's logons were NTLM ones that all succeeded, and that
// the shells belonged to the domain account.
func checkDomainLogons(h *winsim.Host) resource.TestCheckFunc {
	return func(*terraform.State) error {
		st := h.Stats()
		if st.NTLMLogons == 0 || st.NTLMLogonsFailed != 0 || st.BasicCredentials != 0 {
			return fmt.Errorf("logons: %d over NTLM, %d failed, %d Basic credentials; want NTLM ones only, none failed",
				st.NTLMLogons, st.NTLMLogonsFailed, st.BasicCredentials)
		}
		for _, s := range h.Shells() {
			if s.Owner != `EXAMPLE\timeadmin` {
				return fmt.Errorf("a shell belongs to %q, want EXAMPLE\\timeadmin", s.Owner)
			}
		}
		return nil
	}
}
