package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/w32time/terraform-provider-windows/internal/testkdc"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// TestAccKerberos: windows_ntp_config is created, read back and destroyed
// over Kerberos against a real KDC and a host of its realm, logging on with
// a password, a keytab or a ticket cache (kinit), and never with NTLM. Over
// HTTP the host takes only sealed bodies, so the whole exchange is sealed
// with the Kerberos session.
func TestAccKerberos(t *testing.T) {
	needSim(t, "needs a Kerberos KDC (testkdc) and a host of its realm")
	kdc := testkdc.Start(t, testkdc.Options{})
	kdc.AddUser(t, simUser, simPassword)
	userKeytab := t.TempDir() + "/user.keytab"
	kdc.ExportService(t, simUser, userKeytab)
	realm := strings.ToLower(kdc.Realm) // any case: the realm is upper-cased
	tests := []struct {
		name, provider string
		env            map[string]string
	}{
		{"password", fmt.Sprintf(`
provider "windows" {
  username = "%s@%s"
  password = %q
  auth     = "kerberos"
  kerberos {
    kdc = %q
  }
}
`, simUser, realm, simPassword, kdc.Addr), nil},
		{"keytab", fmt.Sprintf(`
provider "windows" {
  username = "%s\\%s"
  auth     = "kerberos"
  kerberos {
    kdc    = %q
    keytab = %q
  }
}
`, realm, simUser, kdc.Addr, userKeytab), nil},
		{"ticket cache", fmt.Sprintf(`
provider "windows" {
  auth = "kerberos"
  kerberos {
    krb5_conf = %q
  }
}
`, kdc.Krb5ConfPath()), map[string]string{"KRB5CCNAME": "FILE:" + kdc.Kinit(t, simUser, simPassword)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			t.Setenv("WINDOWS_PASSWORD", "")
			h := newTarget(t, winsim.Options{Realm: kdc.Realm, Keytab: kdc.AddService(t, "HTTP/127.0.0.1")}).sim
			config := tt.provider + fmt.Sprintf(`
resource "windows_ntp_config" "test" {
  host = %q
  type = "NT5DS"
}
`, h.Addr())
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testFactories(t),
				Steps: []resource.TestStep{{
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("windows_ntp_config.test", tfjsonpath.New("type"), knownvalue.StringExact("NT5DS")),
					},
				}},
			})
			st := h.Stats()
			if st.KerberosLogons == 0 || st.KerberosLogonsFailed != 0 || st.NTLMLogons != 0 {
				t.Errorf("host stats %+v: want Kerberos logons only, none failed", st)
			}
		})
	}
}
