package testkdc

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultRealm is the realm Start creates when Options.Realm is empty.
const DefaultRealm = "EXAMPLE.COM"

// startTimeout bounds how long a new KDC may take to answer on its port; it is a setup limit (a KDC
// that never starts fails the test with its log), not a measure of anything under test.
const startTimeout = 60 * time.Second

// Options configures the KDC Start returns.
type Options struct {
	// Realm is the Kerberos realm, upper case by convention (default DefaultRealm). Tests that ask
	// for the same realm share one KDC.
	Realm string
}

// KDC is an MIT Kerberos KDC serving one realm on loopback, shared by every test of the process
// that asks for its realm. Principals added by one test stay for the next ones: tests that need
// principals of their own give them names of their own.
type KDC struct {
	// Realm is the realm's name; Addr is the KDC's address (UDP and TCP), 127.0.0.1:port.
	Realm, Addr string

	dir      string
	confPath string
	env      []string

	adminMu sync.Mutex // kadmin.local runs one at a time: it locks the database
}

type sharedKDC struct {
	once sync.Once
	kdc  *KDC
	err  error
	// stop is the watchdog's standard input: it ends the KDC when closed, by the process exiting
	// or otherwise. Held here so that it is never collected (and closed) early.
	stop io.WriteCloser
}

var kdcs sync.Map // realm -> *sharedKDC

// Start returns the process's KDC for opts.Realm, creating the realm and starting krb5kdc the
// first time. It installs MIT Kerberos when it is missing (see Require): where that is not
// possible the test is skipped, or fails when CI is set. The KDC runs until the test process
// exits (a watchdog process ends it and removes its files then, however the process ends).
func Start(t testing.TB, opts Options) *KDC {
	t.Helper()
	Require(t, kdcPrograms, kdcPackages)
	realm := opts.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	if !realmPattern.MatchString(realm) {
		t.Fatalf("testkdc: realm %q: use letters, digits, dots and hyphens", realm)
	}
	v, _ := kdcs.LoadOrStore(realm, &sharedKDC{})
	s := v.(*sharedKDC)
	s.once.Do(func() { s.kdc, s.stop, s.err = startKDC(realm) })
	if s.err != nil {
		t.Fatalf("testkdc: starting a KDC for %s: %v", realm, s.err)
	}
	return s.kdc
}

var (
	realmPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$`)
	// namePattern is what principal names may be: kadmin.local -q splits its query on blanks.
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/@-]{0,200}$`)
	// passwordPattern is what test passwords may be, for the same reason.
	passwordPattern = regexp.MustCompile(`^[!-~]{1,100}$`)
)

// startKDC creates a realm in a new temporary directory and serves it with krb5kdc.
func startKDC(realm string) (k *KDC, stop io.WriteCloser, err error) {
	dir, err := os.MkdirTemp("", "testkdc-")
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	k = &KDC{Realm: realm, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir,
		confPath: filepath.Join(dir, "krb5.conf")}
	kdcConf := filepath.Join(dir, "kdc.conf")
	k.env = append(os.Environ(), "KRB5_CONFIG="+k.confPath, "KRB5_KDC_PROFILE="+kdcConf)
	if err := os.WriteFile(k.confPath, []byte(k.Krb5Conf()), 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(kdcConf, []byte(k.kdcConf()), 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "kadm5.acl"), nil, 0o600); err != nil {
		return nil, nil, err
	}
	if _, err := k.run(nil, "kdb5_util", "-r", realm, "create", "-s", "-P", randomSecret()); err != nil {
		return nil, nil, err
	}
	stop, err = k.serve()
	if err != nil {
		return nil, nil, err
	}
	return k, stop, nil
}

// serve starts krb5kdc in the foreground (-n) and a watchdog that ends it when the test process
// goes away, then waits until the KDC answers on its TCP port.
func (k *KDC) serve() (io.WriteCloser, error) {
	logFile, err := os.Create(filepath.Join(k.dir, "krb5kdc.out"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command("krb5kdc", "-n", "-r", k.Realm, "-P", filepath.Join(k.dir, "krb5kdc.pid"))
	cmd.Env = k.env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("krb5kdc: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// The watchdog reads its standard input until it closes, which happens when this process
	// exits however it exits, then ends the KDC and removes the realm's files.
	watchdog := exec.Command("sh", "-c",
		`read _; kill "$1" 2>/dev/null; while kill -0 "$1" 2>/dev/null; do sleep 0.1; done; rm -rf "$2"`,
		"testkdc-watchdog", strconv.Itoa(cmd.Process.Pid), k.dir)
	stop, err := watchdog.StdinPipe()
	if err == nil {
		err = watchdog.Start()
	}
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("starting the KDC's watchdog: %w", err)
	}
	go func() { _ = watchdog.Wait() }()

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case err := <-exited:
			stop.Close()
			return nil, fmt.Errorf("krb5kdc exited at start (%v); its output:\n%s\nits log:\n%s", err,
				k.readFile("krb5kdc.out"), k.readFile("kdc.log"))
		default:
		}
		c, err := net.DialTimeout("tcp", k.Addr, time.Second)
		if err == nil {
			c.Close()
			return stop, nil
		}
		if time.Now().After(deadline) {
			stop.Close()
			return nil, fmt.Errorf("krb5kdc does not answer on %s after %v; its log:\n%s", k.Addr, startTimeout, k.readFile("kdc.log"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (k *KDC) readFile(name string) string {
	b, err := os.ReadFile(filepath.Join(k.dir, name))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return tail(string(b), 4000)
}

// freePort returns a loopback port free for both TCP and UDP just now.
func freePort() (int, error) {
	var lastErr error
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		ln.Close()
		if err != nil {
			lastErr = err
			continue
		}
		pc.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no loopback port free for both TCP and UDP: %w", lastErr)
}

func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Krb5Conf is a krb5.conf for clients of this KDC: the realm is the default one, its KDC is on
// loopback, DNS is never asked (neither for the KDC nor to canonicalize host names) and TCP is
// used rather than UDP. Hosts under the realm's name in lower case map to the realm.
func (k *KDC) Krb5Conf() string {
	lower := strings.ToLower(k.Realm)
	return fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	udp_preference_limit = 1
	forwardable = true

[realms]
	%[1]s = {
		kdc = %[2]s
		admin_server = %[2]s
	}

[domain_realm]
	.%[3]s = %[1]s
	%[3]s = %[1]s
`, k.Realm, k.Addr, lower)
}

// Krb5ConfPath is the path of a file holding Krb5Conf, for KRB5_CONFIG.
func (k *KDC) Krb5ConfPath() string { return k.confPath }

func (k *KDC) kdcConf() string {
	return fmt.Sprintf(`[kdcdefaults]
	kdc_listen = %[2]s
	kdc_tcp_listen = %[2]s

[realms]
	%[1]s = {
		database_name = %[3]s
		key_stash_file = %[4]s
		acl_file = %[5]s
		max_life = 10h 0m 0s
		max_renewable_life = 7d 0h 0m 0s
		master_key_type = aes256-cts-hmac-sha1-96
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
	}

[logging]
	kdc = FILE:%[6]s
	admin_server = FILE:%[7]s
	default = FILE:%[7]s
`, k.Realm, k.Addr, filepath.Join(k.dir, "principal"), filepath.Join(k.dir, "stash"),
		filepath.Join(k.dir, "kadm5.acl"), filepath.Join(k.dir, "kdc.log"), filepath.Join(k.dir, "kadmin.log"))
}

// run runs one of the KDC's programs with the realm's configuration, stdin as given, and
// returns its output; a non-zero exit is an error that carries the output.
func (k *KDC) run(stdin []byte, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = k.env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(out.String(), 4000))
	}
	return out.String(), nil
}

// admin runs one kadmin.local query.
func (k *KDC) admin(query string) (string, error) {
	k.adminMu.Lock()
	defer k.adminMu.Unlock()
	return k.run(nil, "kadmin.local", "-r", k.Realm, "-q", query)
}

// principal qualifies name with the realm unless it names one.
func (k *KDC) principal(name string) string {
	if strings.Contains(name, "@") {
		return name
	}
	return name + "@" + k.Realm
}

// exists reports whether the principal is in the database. It reads listprincs' output, which
// is one principal name per line.
func (k *KDC) exists(principal string) (bool, error) {
	out, err := k.admin("listprincs " + principal)
	if err != nil {
		return false, err
	}
	for line := range strings.SplitSeq(out, "\n") {
		if strings.TrimSpace(line) == principal {
			return true, nil
		}
	}
	return false, nil
}

// AddUser creates the user principal name@Realm with password, or sets its password when it
// exists already (an earlier test of the process added it).
func (k *KDC) AddUser(t testing.TB, name, password string) {
	t.Helper()
	if !namePattern.MatchString(name) || !passwordPattern.MatchString(password) {
		t.Fatalf("testkdc: user %q or its password has characters kadmin.local cannot take (blanks, quotes)", name)
	}
	p := k.principal(name)
	found, err := k.exists(p)
	if err != nil {
		t.Fatalf("testkdc: %v", err)
	}
	query := "addprinc -pw " + password + " " + p
	if found {
		query = "cpw -pw " + password + " " + p
	}
	if _, err := k.admin(query); err != nil {
		t.Fatalf("testkdc: %v", err)
	}
	if found, err := k.exists(p); err != nil || !found {
		t.Fatalf("testkdc: %s is not in the database after %q (%v); kadmin log:\n%s", p, query, err, k.readFile("kadmin.log"))
	}
}

// AddService creates the service principal spn@Realm (e.g. "HTTP/win1.example.com") with a
// random key, unless it exists, and exports its key to a new keytab file of the test's; it
// returns the keytab's path. The key is exported as it is, never changed, so keytabs exported
// by earlier tests stay valid.
func (k *KDC) AddService(t testing.TB, spn string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), strings.NewReplacer("/", "_", "@", "_").Replace(spn)+".keytab")
	k.ExportService(t, spn, path)
	return path
}

// ExportService is AddService with the keytab file chosen by the caller; the key is appended
// when the file exists, so one keytab can hold the keys of several principals (several realms).
func (k *KDC) ExportService(t testing.TB, spn, keytabPath string) {
	t.Helper()
	if !namePattern.MatchString(spn) || strings.ContainsAny(keytabPath, " \t\"'") {
		t.Fatalf("testkdc: service %q or keytab path %q has characters kadmin.local cannot take", spn, keytabPath)
	}
	p := k.principal(spn)
	found, err := k.exists(p)
	if err != nil {
		t.Fatalf("testkdc: %v", err)
	}
	if !found {
		if _, err := k.admin("addprinc -randkey " + p); err != nil {
			t.Fatalf("testkdc: %v", err)
		}
	}
	if _, err := k.admin("ktadd -k " + keytabPath + " -norandkey " + p); err != nil {
		t.Fatalf("testkdc: %v", err)
	}
	if st, err := os.Stat(keytabPath); err != nil || st.Size() == 0 {
		t.Fatalf("testkdc: exporting %s to %s wrote no keytab (%v); kadmin log:\n%s", p, keytabPath, err, k.readFile("kadmin.log"))
	}
}

// Kinit gets a ticket-granting ticket for user with MIT kinit into a new credential cache of
// the test's, and returns the cache's path (for KRB5CCNAME, as FILE:<path>).
func (k *KDC) Kinit(t testing.TB, user, password string) string {
	t.Helper()
	ccache := filepath.Join(t.TempDir(), "krb5cc")
	if _, err := k.run([]byte(password+"\n"), "kinit", "-c", "FILE:"+ccache, k.principal(user)); err != nil {
		t.Fatalf("testkdc: %v", err)
	}
	if _, err := os.Stat(ccache); err != nil {
		t.Fatalf("testkdc: kinit wrote no credential cache: %v", err)
	}
	return ccache
}

// Env is the environment for Kerberos programs run against this KDC: the process's, with
// KRB5_CONFIG pointing at Krb5ConfPath.
func (k *KDC) Env() []string {
	return append(append([]string(nil), os.Environ()...), "KRB5_CONFIG="+k.confPath)
}
