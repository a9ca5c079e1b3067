package winsim

import (
	"strings"
	"testing"

	"github.com/masterzen/winrm"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// logonOutcome is what a logon attempt comes to.
type logonOutcome string

const (
	ok      logonOutcome = "ok"      // the command ran
	denied  logonOutcome = "denied"  // logged on, but not an administrator: access denied
	refused logonOutcome = "refused" // the logon failed: 401
)

const (
	adminPass  = "Adm1n-pass!"
	localPass  = "L0cal-pass!"
	readerPass = "Re4der-pass!"
)

// logonClients are the three ways a client names an account on the wire: masterzen's message
// encryption (bodgit/ntlmssp: DOMAIN\user and user@domain both sent as user and domain, as the
// provider's transport sends them),
// masterzen's plain NTLM (Azure/go-ntlmssp: the challenge's TargetName as the domain whatever
// was typed, a UPN sent whole with no domain) and Basic (the name as typed).
var logonClients = []struct {
	name  string
	tweak func(*winrm.Parameters)
}{
	{"bodgit", ntlmEncryption},
	{"azure", ntlmPlain},
	{"basic", nil},
}

// TestDomainAccounts logs on to a host of each role with every form of account name, in
// several cases, through the three clients, and checks who gets in: a member takes its local
// accounts by their local names and its domain's by the domain's NetBIOS or DNS name or a UPN;
// a controller takes the domain's under all of those; a workgroup host refuses domain names.
// The expectations for Azure follow from its sending the challenge's domain: on a member that
// is the domain, so it reaches domain accounts under any name and never local ones (as
// Azure/go-ntlmssp#16 reports of real members). Basic takes local accounts only.
func TestDomainAccounts(t *testing.T) {
	type row struct {
		user, password       string
		bodgit, azure, basic logonOutcome
	}
	roles := []struct {
		role  winhost.Role
		admin string
		users []User
		rows  []row
	}{
		{winhost.Member, `EXAMPLE\timeadmin`,
			[]User{{Name: "localadm", Password: localPass, Admin: true}, {Name: `EXAMPLE\reader`, Password: readerPass}},
			[]row{
				{`EXAMPLE\timeadmin`, adminPass, ok, ok, refused},
				{`example\TIMEADMIN`, adminPass, ok, ok, refused},
				{`example.com\timeadmin`, adminPass, ok, ok, refused},
				{`EXAMPLE.COM\TimeAdmin`, adminPass, ok, ok, refused},
				{`timeadmin@example.com`, adminPass, ok, ok, refused},
				{`TimeAdmin@EXAMPLE.COM`, adminPass, ok, ok, refused},
				{`timeadmin`, adminPass, ok, ok, refused},
				{`EXAMPLE\timeadmin`, "wrong", refused, refused, refused},
				{`timeadmin@example.com`, "wrong", refused, refused, refused},
				{`OTHERHOST\timeadmin`, adminPass, refused, ok, refused},
				{`OTHER\timeadmin`, adminPass, refused, ok, refused},
				{`timeadmin@other.example`, adminPass, refused, refused, refused},
				{`localadm`, localPass, ok, refused, ok},
				{`.\localadm`, localPass, ok, refused, ok},
				{`win-sim\LOCALADM`, localPass, ok, refused, ok},
				{`EXAMPLE\localadm`, localPass, refused, refused, refused},
				{`OTHERHOST\localadm`, localPass, refused, refused, refused},
				{`localadm@example.com`, localPass, refused, refused, refused},
				{`EXAMPLE\reader`, readerPass, denied, denied, refused},
				{`reader@example.com`, readerPass, denied, denied, refused},
			}},
		{winhost.DomainController, `EXAMPLE\timeadmin`,
			[]User{{Name: "reader", Password: readerPass}},
			[]row{
				{`EXAMPLE\timeadmin`, adminPass, ok, ok, ok},
				{`example.com\TIMEADMIN`, adminPass, ok, ok, ok},
				{`timeadmin@Example.com`, adminPass, ok, ok, ok},
				{`timeadmin`, adminPass, ok, ok, ok},
				{`.\timeadmin`, adminPass, ok, ok, ok},
				{`WIN-SIM\timeadmin`, adminPass, ok, ok, ok},
				{`EXAMPLE\timeadmin`, "wrong", refused, refused, refused},
				{`OTHER\timeadmin`, adminPass, refused, ok, refused},
				{`timeadmin@other.example`, adminPass, refused, refused, refused},
				{`reader@EXAMPLE.COM`, readerPass, denied, denied, denied},
				{`example\reader`, readerPass, denied, denied, denied},
			}},
		{winhost.Standalone, `timeadmin`,
			[]User{{Name: "reader", Password: readerPass}},
			[]row{
				{`timeadmin`, adminPass, ok, ok, ok},
				{`.\TIMEADMIN`, adminPass, ok, ok, ok},
				{`win-sim\timeadmin`, adminPass, ok, ok, ok},
				{`timeadmin`, "wrong", refused, refused, refused},
				{`EXAMPLE\timeadmin`, adminPass, refused, ok, refused},
				{`example.com\timeadmin`, adminPass, refused, ok, refused},
				{`timeadmin@example.com`, adminPass, refused, refused, refused},
				{`reader`, readerPass, denied, denied, denied},
			}},
	}
	for _, r := range roles {
		t.Run(string(r.role), func(t *testing.T) {
			opts := Options{Role: r.role, Username: r.admin, Password: adminPass, Users: r.users}
			// The encrypting client falls back to plain NTLM (Azure) when its own logon fails: a
			// host that refuses plain bodies, as Windows does by default, keeps that from
			// succeeding. The Azure and Basic clients need plain bodies.
			sealed := startHost(t, opts)
			opts.Auth, opts.AllowUnencrypted = "any", true
			plain := startHost(t, opts)
			for _, tt := range r.rows {
				for _, c := range logonClients {
					want := map[string]logonOutcome{"bodgit": tt.bodgit, "azure": tt.azure, "basic": tt.basic}[c.name]
					h := plain
					if c.name == "bodgit" {
						h = sealed
					}
					t.Run(c.name+"/"+tt.user+"/"+tt.password, func(t *testing.T) {
						if got := logon(t, h, tt.user, tt.password, c.tweak); got != want {
							t.Errorf("logon as %q: %s, want %s", tt.user, got, want)
						}
					})
				}
			}
		})
	}
}

// logon runs ver as user through a masterzen client and tells what came of it, from the host's
// counters rather than from the client's error text.
func logon(t *testing.T, h *Host, user, password string, tweak func(*winrm.Parameters)) logonOutcome {
	t.Helper()
	h.ResetStats()
	_, _, code, err := run(t, newClient(t, h, user, password, tweak), "ver")
	st := h.Stats()
	switch failed := st.NTLMLogonsFailed + st.BasicLogonsFailed; {
	case err == nil && code == 0 && failed == 0:
		return ok
	case err != nil && failed > 0 && st.Requests["Create"] == 0:
		return refused
	case err != nil && failed == 0 && st.Requests["Create"] > 0 && st.ShellsOpened == 0:
		return denied
	}
	t.Fatalf("logon as %q: exit %d, err %v, stats %+v", user, code, err, st)
	return ""
}

// TestAccountNames checks the accounts a host is configured with: the forms a name may take,
// and the names it refuses.
func TestAccountNames(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		wantOK bool
	}{
		{"domain admin on a member", Options{Role: winhost.Member, Username: `EXAMPLE\timeadmin`}, true},
		{"DNS-named domain admin", Options{Role: winhost.Member, Username: `example.com\timeadmin`}, true},
		{"UPN-named domain admin", Options{Role: winhost.DomainController, Username: `timeadmin@example.com`}, true},
		{"named domain", Options{Role: winhost.Member, Domain: "CORP", DNSDomain: "corp.example.net", Username: `corp\timeadmin`}, true},
		{"local account named by the host", Options{Hostname: "web-01", Username: `WEB-01\ops`}, true},
		{"domain account on a standalone host", Options{Username: `EXAMPLE\timeadmin`}, false},
		{"another domain", Options{Role: winhost.Member, Username: `OTHER\timeadmin`}, false},
		{"another host", Options{Role: winhost.Member, Username: `OTHERHOST\timeadmin`}, false},
		{"domain on a standalone host", Options{Domain: "EXAMPLE"}, false},
		{"same account twice", Options{Role: winhost.Member, Username: `EXAMPLE\a`, Users: []User{{Name: "a@example.com"}}}, false},
		{"a local and a domain account of one name", Options{Role: winhost.Member, Username: `EXAMPLE\a`, Users: []User{{Name: "a"}}}, true},
		{"bad character", Options{Username: "ti:me"}, false},
		{"empty user", Options{Role: winhost.Member, Username: `EXAMPLE\`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Start("127.0.0.1:0", tt.opts)
			if err == nil {
				h.Close()
			}
			if (err == nil) != tt.wantOK {
				t.Errorf("Start: err %v, want success %v", err, tt.wantOK)
			}
		})
	}
}

// TestShellOwnerIsTheAccount checks that a domain account keeps its shells whichever way it
// is named: the host knows it by one canonical name.
func TestShellOwnerIsTheAccount(t *testing.T) {
	h := startHost(t, Options{Role: winhost.Member, Username: `EXAMPLE\timeadmin`, Password: adminPass})
	for _, name := range []string{`example.com\TimeAdmin`, `timeadmin@EXAMPLE.com`, `Example\timeadmin`} {
		c := newClient(t, h, name, adminPass, ntlmEncryption)
		sh, err := c.CreateShell()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer sh.Close()
	}
	for _, s := range h.Shells() {
		if s.Owner != `EXAMPLE\timeadmin` {
			t.Errorf("shell owner %q, want EXAMPLE\\timeadmin", s.Owner)
		}
	}
	if n := len(h.Shells()); n != 3 {
		t.Errorf("%d shells open, want 3", n)
	}
	if !strings.EqualFold(h.Machine().Config().Domain, "EXAMPLE") {
		t.Errorf("domain %q", h.Machine().Config().Domain)
	}
}
