package winsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/testkdc"
)

// pywinrmPackages are Debian's pywinrm, its Kerberos transport (requests-kerberos) and
// python3-gssapi, MIT's GSS-API library, which seals as Windows expects (see the script).
var pywinrmPackages = []string{"python3-winrm", "python3-requests-kerberos", "python3-gssapi"}

// pywinrmProbe imports what the Kerberos transport with message encryption needs.
const pywinrmProbe = "import winrm.protocol, winrm.transport, requests_kerberos, gssapi.raw; gssapi.raw.wrap_iov"

// debianPython returns the first python3 on PATH that can import pywinrm's Kerberos transport:
// Debian's packages install into the system interpreter, which a python3 earlier on PATH (pyenv,
// a virtualenv) does not see.
func debianPython() (string, error) {
	seen := map[string]bool{}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, "python3")
		real, err := filepath.EvalSymlinks(p)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = exec.CommandContext(ctx, p, "-c", pywinrmProbe).Run()
		cancel()
		if err == nil {
			return p, nil
		}
	}
	return "", errors.New("no python3 on PATH imports winrm, requests_kerberos and gssapi with IOV wrapping")
}

type pywinrmResult struct {
	Stdout, Stderr string
	Code           int
}

// TestPywinrmKerberos holds the simulator against an independent client: pywinrm's Kerberos
// transport with message encryption (MIT's GSS-API, kinit'ed against the test KDC, sealing with
// gss_wrap_iov) authenticates over HTTP, seals its bodies and opens the host's sealed answers, as it
// does with Windows; it runs ver and a reg query.
func TestPywinrmKerberos(t *testing.T) {
	var python string
	testkdc.RequireWith(t, "pywinrm with its Kerberos transport", func() (err error) {
		python, err = debianPython()
		return err
	}, pywinrmPackages)
	kdc := testkdc.Start(t, testkdc.Options{})
	kdc.AddUser(t, defaultUsername, defaultPassword)
	h := startHost(t, Options{Realm: kdc.Realm, Keytab: kdc.AddService(t, "HTTP/127.0.0.1")})
	ccache := kdc.Kinit(t, defaultUsername, defaultPassword)

	lines := []string{"ver", `reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v ProductName`}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{filepath.Join("testdata", "pywinrm_kerberos.py"), h.URL()}, lines...)...)
	cmd.Env = append(kdc.Env(), "KRB5CCNAME=FILE:"+ccache, "PYTHONDONTWRITEBYTECODE=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pywinrm: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	var results []pywinrmResult
	for line := range strings.SplitSeq(strings.TrimSpace(stdout.String()), "\n") {
		var r pywinrmResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("pywinrm printed %q: %v", line, err)
		}
		results = append(results, r)
	}
	if len(results) != len(lines) {
		t.Fatalf("%d results for %d commands:\n%s", len(results), len(lines), stdout.String())
	}
	for i, want := range []string{"[Version ", "ProductName"} {
		if r := results[i]; r.Code != 0 || !strings.Contains(r.Stdout, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", lines[i], r.Code, r.Stdout, r.Stderr)
		}
	}
	st := h.Stats()
	if st.KerberosLogons != 1 || st.KerberosLogonsFailed != 0 || st.NTLMLogons != 0 || st.Requests["Command"] != len(lines) {
		t.Errorf("stats %+v: want one Kerberos logon, no NTLM, %d commands", st, len(lines))
	}
}
