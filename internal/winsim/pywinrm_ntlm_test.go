package winsim

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// pywinrmScript runs ver through pywinrm over NTLM with message encryption. The endpoint, the
// user and the password come from the environment, the password so that it never appears on
// a command line.
const pywinrmScript = `
import os, sys, winrm
s = winrm.Session(os.environ["WINSIM_ENDPOINT"], auth=(os.environ["WINSIM_USER"], os.environ["WINSIM_PASSWORD"]),
                  transport="ntlm", message_encryption="always")
r = s.run_cmd("ver")
sys.stdout.write(r.std_out.decode("ascii", "replace"))
sys.exit(r.status_code)
`

var (
	pywinrmOnce sync.Once
	pywinrmPy   string // a python3 that imports winrm, "" when none
	pywinrmWhy  string // why there is none
	pywinrmMD4  bool   // whether its hashlib has MD4 without OpenSSL's legacy provider
)

// legacyOpenSSL is an OpenSSL configuration that loads the legacy provider next to the default
// one. NTLM hashes passwords with MD4, which OpenSSL 3 keeps in its legacy provider, and the
// ntlm-auth library behind Debian 12's python3-winrm takes MD4 from hashlib, that is from
// OpenSSL: without it every logon fails with "unsupported hash type md4".
const legacyOpenSSL = `openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
`

// pywinrmEnv is the environment to run pywinrm in: OPENSSL_CONF loads the legacy provider
// when the interpreter's hashlib lacks MD4.
func pywinrmEnv(t *testing.T) []string {
	t.Helper()
	env := os.Environ()
	if pywinrmMD4 {
		return env
	}
	conf := filepath.Join(t.TempDir(), "openssl.cnf")
	if err := os.WriteFile(conf, []byte(legacyOpenSSL), 0o600); err != nil {
		t.Fatal(err)
	}
	return append(env, "OPENSSL_CONF="+conf)
}

// pywinrm returns a python3 interpreter with pywinrm, installing Debian's python3-winrm with
// apt-get when it is missing and the test runs as root or under CI (set by .ci/run; CI runs as
// root on Debian). Under CI a missing pywinrm fails the test; elsewhere it skips it.
func pywinrm(t *testing.T) string {
	t.Helper()
	pywinrmOnce.Do(func() {
		defer func() {
			if pywinrmPy != "" {
				pywinrmMD4 = exec.Command(pywinrmPy, "-c", "import hashlib; hashlib.new('md4')").Run() == nil
			}
		}()
		if pywinrmPy = findPywinrm(); pywinrmPy != "" {
			return
		}
		if os.Getenv("CI") == "" && os.Geteuid() != 0 {
			pywinrmWhy = "no python3 on PATH imports winrm (Debian: apt-get install python3-winrm; run as root or with CI set and the test installs it)"
			return
		}
		if err := aptInstall("python3-winrm"); err != nil {
			pywinrmWhy = "installing python3-winrm with apt-get failed: " + err.Error()
			return
		}
		if pywinrmPy = findPywinrm(); pywinrmPy == "" {
			pywinrmWhy = "python3-winrm is installed, but no python3 on PATH imports winrm"
		}
	})
	if pywinrmPy == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(pywinrmWhy)
		}
		t.Skip(pywinrmWhy)
	}
	return pywinrmPy
}

// findPywinrm returns the first python3 on PATH that imports winrm: a distribution's package is
// installed for its own interpreter, which another one (pyenv's) may come before.
func findPywinrm() string {
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		py := filepath.Join(dir, "python3")
		if fi, err := os.Stat(py); err != nil || fi.IsDir() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := exec.CommandContext(ctx, py, "-c", "import winrm").Run()
		cancel()
		if err == nil {
			return py
		}
	}
	return ""
}

// aptInstall installs a Debian package, refreshing the package lists when the first try fails.
func aptInstall(pkg string) error {
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("no apt-get (not Debian)")
	}
	install := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "apt-get", "install", "-y", "--no-install-recommends", pkg)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return errors.New(strings.TrimSpace(lastLines(string(out), 3)))
		}
		return nil
	}
	if install() == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "apt-get", "update").CombinedOutput(); err != nil {
		return errors.New(strings.TrimSpace(lastLines(string(out), 3)))
	}
	return install()
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

// TestPywinrmDomainAccount logs on with pywinrm (requests_ntlm, NTLM with message encryption)
// as a domain account written each way Windows takes it, and as another computer's account,
// which must fail.
func TestPywinrmDomainAccount(t *testing.T) {
	py := pywinrm(t)
	env := pywinrmEnv(t)
	for _, role := range []winhost.Role{winhost.Member, winhost.DomainController} {
		t.Run(string(role), func(t *testing.T) {
			h := startHost(t, Options{Role: role, Username: `EXAMPLE\timeadmin`, Password: adminPass})
			for _, tt := range []struct {
				user string
				ok   bool
			}{
				{`EXAMPLE\timeadmin`, true},
				{`example.com\timeadmin`, true},
				{`timeadmin@example.com`, true},
				{`Example.COM\TimeAdmin`, true},
				{`OTHERHOST\timeadmin`, false},
			} {
				t.Run(tt.user, func(t *testing.T) {
					h.ResetStats()
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					cmd := exec.CommandContext(ctx, py, "-c", pywinrmScript)
					cmd.Env = slices.Concat(env, []string{"WINSIM_ENDPOINT=" + h.URL(), "WINSIM_USER=" + tt.user, "WINSIM_PASSWORD=" + adminPass})
					var stderr strings.Builder
					cmd.Stderr = &stderr
					out, err := cmd.Output()
					st := h.Stats()
					if !tt.ok {
						if err == nil || st.NTLMLogonsFailed == 0 || st.ShellsOpened != 0 {
							t.Errorf("logon as %s: err %v, stats %+v; want a failed logon", tt.user, err, st)
						}
						return
					}
					// The host refuses plain bodies over HTTP: a shell proves the messages were sealed.
					if err != nil || !strings.HasPrefix(strings.TrimSpace(string(out)), "Microsoft Windows") || st.ShellsOpened != 1 {
						t.Errorf("logon as %s: err %v, stdout %q, stats %+v\n%s", tt.user, err, out, st, lastLines(stderr.String(), 5))
					}
				})
			}
		})
	}
}
