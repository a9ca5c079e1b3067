package testkdc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// kdcPackages are Debian's MIT Kerberos KDC, its local administration tools and kinit.
var kdcPackages = []string{"krb5-kdc", "krb5-admin-server", "krb5-user"}

// kdcPrograms are the programs the KDC needs, by the package that ships them.
var kdcPrograms = []string{"krb5kdc", "kadmin.local", "kdb5_util", "kinit"}

// installTimeout bounds one apt-get run: a first install on a fresh machine downloads a few MB.
const installTimeout = 10 * time.Minute

// installs remembers, per set of packages, the outcome of the one install attempt a process makes.
var installs sync.Map // string (packages joined) -> *installOnce

type installOnce struct {
	once sync.Once
	err  error
}

// Require makes sure every program is on PATH, installing the Debian packages that ship them
// when one is missing (once per process, as root, with apt-get). When that is not possible the
// test is skipped with a message that says why, or fails when the CI environment variable is set:
// CI must run the tests that need them, never skip them.
func Require(t testing.TB, programs, packages []string) {
	t.Helper()
	RequireWith(t, strings.Join(programs, ", "), func() error {
		if missing := missingPrograms(programs); len(missing) > 0 {
			return fmt.Errorf("%s not on PATH", strings.Join(missing, ", "))
		}
		return nil
	}, packages)
}

// RequireWith is Require for what check looks for (what names it in messages): when check fails,
// the packages are installed (once per process) and check must pass then.
func RequireWith(t testing.TB, what string, check func() error, packages []string) {
	t.Helper()
	if check() == nil {
		return
	}
	key := strings.Join(packages, " ")
	v, _ := installs.LoadOrStore(key, &installOnce{})
	inst := v.(*installOnce)
	inst.once.Do(func() { inst.err = installer(packages) })
	err := inst.err
	if err == nil {
		if cerr := check(); cerr != nil {
			err = fmt.Errorf("apt-get installed %s but: %w", key, cerr)
		}
	}
	if err == nil {
		return
	}
	msg := fmt.Sprintf("this test needs %s (Debian %s); it could not be installed: %v", what, key, err)
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set: CI must run these tests, so the machine must be able to install them)")
	}
	t.Skip(msg)
}

func missingPrograms(programs []string) []string {
	var missing []string
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	return missing
}

// installer is install; tests replace it.
var installer = install

// install runs apt-get update and install for packages, and returns its output in the error when
// it fails.
func install(packages []string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("not running as root, so apt-get cannot install them; install them with: sudo apt-get install %s", strings.Join(packages, " "))
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("apt-get is not on PATH (not a Debian-like system); install MIT Kerberos (%s) by hand", strings.Join(packages, " "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	// Another process (a parallel test binary) may hold dpkg's lock: wait for it rather than fail.
	lock := []string{"-o", "DPkg::Lock::Timeout=600"}
	steps := [][]string{
		append(append([]string{"update"}, lock...), "-q"),
		append(append([]string{"install", "-y", "-q", "--no-install-recommends"}, lock...), packages...),
	}
	for _, args := range steps {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, tail(out.String(), 4000))
		}
	}
	return nil
}

// tail keeps the last n bytes of s: apt-get's last lines say what went wrong.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
