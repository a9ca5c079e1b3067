package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// functionsProvider is the provider block of the function tests: OpenTofu
// configures the provider to call its functions, and the configuration must
// then be valid (credentials set); no host is contacted.
var functionsProvider = fmt.Sprintf("provider \"windows\" {\n  username = %q\n  password = %q\n}\n", simUser, simPassword)

// TestAccFunctions calls the provider functions through the CLI (Terraform
// 1.8 and OpenTofu 1.7 on): no host is contacted.
func TestAccFunctions(t *testing.T) {
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config: functionsProvider + `
output "parsed" {
  value = provider::windows::parse_ntp_server("time.windows.com,0x9 ntp.nict.jp,0x8 dc01.example.local 10.0.0.1,0x1a")
}
output "formatted" {
  value = provider::windows::format_ntp_server([
    { address = "time.windows.com", flags = ["SpecialInterval", "Client"] },
    { address = "ntp.nict.jp", flags = null },
    { address = "10.0.0.1", flags = ["UseAsFallbackOnly", "Client", "0x10"] },
  ])
}
output "round_trip" {
  value = provider::windows::format_ntp_server(provider::windows::parse_ntp_server("a.example,0x9 b.example,0x2"))
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("parsed", knownvalue.ListExact([]knownvalue.Check{
						peer("time.windows.com", "SpecialInterval", "Client"),
						peer("ntp.nict.jp", "Client"),
						peer("dc01.example.local"),
						peer("10.0.0.1", "UseAsFallbackOnly", "Client", "0x10"),
					})),
					statecheck.ExpectKnownOutputValue("formatted", knownvalue.StringExact("time.windows.com,0x9 ntp.nict.jp,0x9 10.0.0.1,0x1a")),
					statecheck.ExpectKnownOutputValue("round_trip", knownvalue.StringExact("a.example,0x9 b.example,0x2")),
				},
			},
			{
				Config:      functionsProvider + `output "bad" { value = provider::windows::parse_ntp_server("time.windows.com,0x9 bad&host,0x8") }`,
				ExpectError: regexp.MustCompile(`(?s)ntp_server.*peer 2.*bad&host`),
			},
			{
				Config:      functionsProvider + `output "bad" { value = provider::windows::parse_ntp_server("time.windows.com,0xZZ") }`,
				ExpectError: regexp.MustCompile(`(?s)ntp_server.*time.windows.com,0xZZ`),
			},
			{
				Config: functionsProvider + `output "bad" {
  value = provider::windows::format_ntp_server([{ address = "ok.example", flags = null }, { address = "x.example", flags = ["Fast"] }])
}`,
				ExpectError: regexp.MustCompile(`(?s)ntp_servers\[1\].*x\.example.*"Fast"`),
			},
			{
				Config: functionsProvider + `output "bad" {
  value = provider::windows::format_ntp_server([{ address = "ntp.example.com:123", flags = null }])
}`,
				ExpectError: regexp.MustCompile(`(?s)ntp_servers\[0\].*port`),
			},
		},
	})
}
