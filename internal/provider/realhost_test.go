package provider

// Real-host mode of the acceptance suite.
//
// With TF_ACC set and WINDOWS_HOSTS (comma-separated host[:port]) or
// WINDOWS_HOST naming hosts, the acceptance tests run against those hosts
// instead of simulated ones, logging on with the provider's WINDOWS_*
// variables. TestMain first logs on to each host once and saves its time
// settings (internal/labhost); a host that cannot be read stops the run
// before any test, so a wrong password costs one failed logon, not one per
// test. Each test that takes a host (newTarget) runs in parallel with the
// others but alone on its host, and puts the host back as it was saved when
// it ends; after the last test, and on SIGINT or SIGTERM, every host is
// restored and read back, and the run fails if one could not be. A test that
// needs what only the simulator does (fault injection, latency, its own
// accounts, a host of another version) skips itself with a reason starting
// "real host:", which the run's summary lists (internal/accsummary).

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/w32time/terraform-provider-windows/internal/labhost"
	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// lab holds the real hosts under test; nil when the suite runs against
// simulated hosts.
var lab *labHosts

// labHosts are the real hosts of a run, and the one connection pool every
// test-side command goes through (so its logon gate covers them all).
type labHosts struct {
	hosts []*labHost
	pool  *transport.Pool
	once  sync.Once // restoreAll runs once, at the end or on a signal
	ok    bool      // what restoreAll found
}

// labHost is one real host.
type labHost struct {
	addr    string // host[:port], as the resources' host attribute takes it
	client  *transport.Client
	snap    *labhost.Snapshot
	profile winhost.Profile // "" for a version the simulator has no profile of
	locale  winhost.Locale
	role    winhost.Role
	// free holds a token while no test uses the host.
	free chan struct{}
}

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

// testMain runs the tests, in real-host mode when TF_ACC and a host list are
// set.
func testMain(m *testing.M) int {
	addrs := labAddrs()
	if os.Getenv("TF_ACC") == "" || len(addrs) == 0 {
		return m.Run()
	}
	l, err := openLab(context.Background(), addrs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "real-host mode: %v\nNo test was run.\n", err)
		return 1
	}
	lab = l
	stopSignals := l.restoreOnSignal()
	stopTimer := l.restoreBeforeTimeout()
	code := m.Run()
	// The timer first: it must not end a run whose final restore is
	// under way. A signal still restores: restoreAll runs once, and a
	// second caller waits for the first.
	stopTimer()
	if !l.restoreAll(5 * time.Minute) {
		code = 1
	}
	stopSignals()
	_ = l.pool.Close()
	return code
}

// labAddrs returns the hosts of WINDOWS_HOSTS, else WINDOWS_HOST, each
// once: a host listed twice would run two tests at once.
func labAddrs() []string {
	list := os.Getenv("WINDOWS_HOSTS")
	if list == "" {
		list = os.Getenv("WINDOWS_HOST")
	}
	var addrs []string
	seen := map[string]bool{}
	for a := range strings.SplitSeq(list, ",") {
		a = strings.TrimSpace(a)
		if k := strings.ToLower(a); a != "" && !seen[k] {
			seen[k] = true
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// openLab logs on to each host, in turn, and saves its settings.
func openLab(ctx context.Context, addrs []string) (*labHosts, error) {
	cfg, _, cerr := connectionSettings(providerModel{}, os.LookupEnv)
	if cerr != nil {
		return nil, fmt.Errorf("the WINDOWS_* variables: %s", cerr.msg)
	}
	l := &labHosts{pool: transport.NewPool()}
	fmt.Printf("real-host mode: %d host(s)\n", len(addrs))
	for _, addr := range addrs {
		h, err := openHost(ctx, l.pool, cfg, addr)
		if err != nil {
			_ = l.pool.Close()
			return nil, fmt.Errorf("host %s: %w", addr, err)
		}
		l.hosts = append(l.hosts, h)
	}
	return l, nil
}

// openHost connects to one host and saves its settings, writing them to a
// file too: a run killed without a chance to restore (SIGKILL, go test's
// -timeout) leaves them there to put back by hand.
func openHost(ctx context.Context, pool *transport.Pool, cfg transport.Config, addr string) (*labHost, error) {
	name, port, err := splitHostPort(addr)
	if err != nil {
		return nil, err
	}
	cfg.Host, cfg.Port = name, port
	c, err := pool.Client(cfg)
	if err != nil {
		return nil, err
	}
	snap, err := labhost.Save(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("saving its time settings (nothing was changed): %w", err)
	}
	if snap.Facts.OEMCodePage != 0 {
		_ = c.SetCodePage(snap.Facts.OEMCodePage) // an unknown code page leaves the transport's guesses
	}
	h := &labHost{addr: addr, client: c, snap: snap, free: make(chan struct{}, 1)}
	h.free <- struct{}{}
	h.profile, _ = winhost.ParseProfile(strings.TrimPrefix(snap.Version.Release(), "Windows Server "))
	h.locale = winhost.Locale(snap.Facts.Locale)
	h.role = roleOf(snap.Facts.DomainRole)
	file := filepath.Join(os.TempDir(), "windows-acc-saved-"+strings.NewReplacer(":", "_", "[", "", "]", "").Replace(addr)+".txt")
	if err := os.WriteFile(file, []byte(snap.String()), 0o600); err != nil {
		return nil, fmt.Errorf("writing what was saved to %s: %w", file, err)
	}
	fmt.Printf("real-host mode: %s: %s (%s, %s, %s), W32Time %s; saved its time settings (also in %s)\n",
		addr, snap.Version.Release(), snap.Version, orUnknown(string(h.locale)), orUnknown(string(h.role)), snap.Service, file)
	return h, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// roleOf maps a host's domain role to the simulator's roles.
func roleOf(r wintime.DomainRole) winhost.Role {
	switch r {
	case wintime.StandaloneServer, wintime.StandaloneWorkstation:
		return winhost.Standalone
	case wintime.MemberServer, wintime.MemberWorkstation:
		return winhost.Member
	case wintime.PrimaryDC, wintime.BackupDC, wintime.DomainController:
		return winhost.DomainController
	}
	return ""
}

// restoreOnSignal restores every host when the run is interrupted, then
// exits. It returns the function that stops waiting for a signal.
func (l *labHosts) restoreOnSignal() func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			fmt.Printf("real-host mode: %v: restoring the hosts before exiting\n", s)
			l.restoreAll(time.Minute)
			os.Exit(1)
		case <-done:
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// restoreBeforeTimeout restores every host and exits shortly before go
// test's -timeout would end the process without running any cleanup. It
// returns the function that cancels it.
func (l *labHosts) restoreBeforeTimeout() func() {
	if !flag.Parsed() {
		flag.Parse()
	}
	f := flag.Lookup("test.timeout")
	if f == nil {
		return func() {}
	}
	d, ok := f.Value.(flag.Getter).Get().(time.Duration)
	if !ok || d <= 0 {
		return func() {}
	}
	// Restoring a host takes a few commands: a minute is plenty, a tenth
	// of a short timeout has to do.
	margin := min(time.Minute, d/10)
	timer := time.AfterFunc(d-margin, func() {
		fmt.Printf("real-host mode: go test's -timeout of %v is %v away: restoring the hosts before it ends the run\n", d, margin)
		l.restoreAll(margin * 9 / 10)
		os.Exit(1)
	})
	return func() { timer.Stop() }
}

// restoreAll restores every host and reads it back, reporting each, within
// budget; it returns whether all were restored. Before the last test ends
// (an interrupt, the timeout) a host may still be in a test's hands: it
// waits for the host to be free for half the budget, and then restores it
// anyway, saying so. The hosts are restored in parallel.
func (l *labHosts) restoreAll(budget time.Duration) bool {
	l.once.Do(func() {
		l.ok = true
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		var wg sync.WaitGroup
		lines := make([]string, len(l.hosts))
		for i, h := range l.hosts {
			wg.Go(func() {
				busy := ""
				select {
				case <-h.free:
				case <-time.After(budget / 2):
					busy = " (a test still had it)"
				}
				if err := labhost.Restore(ctx, h.client, h.snap); err != nil {
					lines[i] = fmt.Sprintf("real-host mode: %s: NOT RESTORED%s: %v", h.addr, busy, err)
					return
				}
				lines[i] = fmt.Sprintf("real-host mode: %s: restored, and read back as saved%s", h.addr, busy)
			})
		}
		wg.Wait()
		for _, line := range lines {
			if strings.Contains(line, "NOT RESTORED") {
				l.ok = false
			}
			fmt.Println(line)
		}
	})
	return l.ok
}

// matches reports whether h can stand for a simulated host with opts: the
// profile, locale and role a test asks for, where it asks.
func (h *labHost) matches(opts winsim.Options) bool {
	return (opts.Profile == "" || opts.Profile == h.profile) &&
		(opts.Locale == "" || opts.Locale == h.locale) &&
		(opts.Role == "" || opts.Role == h.role)
}

// describe lists the hosts for a skip message.
func (l *labHosts) describe() string {
	var ds []string
	for _, h := range l.hosts {
		ds = append(ds, fmt.Sprintf("%s (%s, %s, %s)", h.addr, orUnknown(string(h.profile)), orUnknown(string(h.locale)), orUnknown(string(h.role))))
	}
	return strings.Join(ds, ", ")
}

// simOnly names the first option of opts a real host cannot be made to have,
// or returns "".
func simOnly(opts winsim.Options) string {
	v := reflect.ValueOf(opts)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		switch name {
		case "Profile", "Locale", "Role":
			continue // matched against the hosts
		case "Username", "Password":
			// The test account: a real host's are the WINDOWS_* ones.
			if s := v.Field(i).String(); s == "" || s == simUser || s == simPassword {
				continue
			}
		}
		if !v.Field(i).IsZero() {
			return "the simulator's " + name + " option"
		}
	}
	return ""
}

// skipReal skips a test in real-host mode, with why.
func skipReal(t *testing.T, why string) {
	t.Helper()
	t.Skip("real host: " + why)
}

// realTarget takes a real host that matches opts for the test: it makes the
// test parallel, waits until one of the matching hosts is free, and, when
// the test ends, restores the host and frees it.
func (l *labHosts) realTarget(t *testing.T, opts winsim.Options) *target {
	t.Helper()
	return l.takeTarget(t, opts, true)
}

// takeTarget is realTarget, making the test parallel or not. A test that is
// not parallel may wait for a host only when no parallel test runs, which
// is so in a top-level test that is not parallel and its sequential
// subtests: Go runs the parallel tests after them.
func (l *labHosts) takeTarget(t *testing.T, opts winsim.Options, parallel bool) *target {
	t.Helper()
	if why := simOnly(opts); why != "" {
		skipReal(t, "needs "+why)
	}
	var cands []*labHost
	for _, h := range l.hosts {
		if h.matches(opts) && !holds(t, h) {
			cands = append(cands, h)
		}
	}
	if p, ok := pinned.Load(t); ok { // eachHost's subtest: its host, and no other
		cands = nil
		if h := p.(*labHost); h.matches(opts) && !holds(t, h) {
			cands = []*labHost{h}
		}
	}
	if len(cands) == 0 {
		skipReal(t, fmt.Sprintf("needs another host with %s; the hosts are %s", orUnknown(wanted(opts)), l.describe()))
	}
	if parallel {
		markParallel(t)
	}
	return hold(t, take(cands))
}

// realTargets takes n different hosts for one test: the first n of the list,
// in its order, so that two tests that each take several cannot wait for
// each other.
func (l *labHosts) realTargets(t *testing.T, n int, opts winsim.Options) []*target {
	t.Helper()
	if why := simOnly(opts); why != "" {
		skipReal(t, "needs "+why)
	}
	if len(l.hosts) < n {
		skipReal(t, fmt.Sprintf("needs %d hosts; the hosts are %s", n, l.describe()))
	}
	markParallel(t)
	tgs := make([]*target, n)
	for i, h := range l.hosts[:n] {
		tgs[i] = hold(t, take([]*labHost{h}))
	}
	return tgs
}

// held lists the hosts each test holds, so that a test taking a second
// host does not wait for its first.
var held sync.Map // *testing.T -> *[]*labHost

// pinned holds the host of each subtest of eachHost.
var pinned sync.Map // *testing.T -> *labHost

func holds(t *testing.T, h *labHost) bool {
	hs, ok := held.Load(t)
	return ok && slices.Contains(*hs.(*[]*labHost), h)
}

// hold gives the taken host h to the test: when the test ends, the host is
// restored and freed.
func hold(t *testing.T, h *labHost) *target {
	hs, _ := held.LoadOrStore(t, new([]*labHost))
	*hs.(*[]*labHost) = append(*hs.(*[]*labHost), h)
	t.Cleanup(func() {
		defer func() { h.free <- struct{}{} }()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := labhost.Restore(ctx, h.client, h.snap); err != nil {
			t.Errorf("real host %s: restoring its time settings after the test: %v", h.addr, err)
		}
	})
	return &target{host: h.addr, provider: "\nprovider \"windows\" {}\n", lab: h,
		profile: h.profile, locale: h.locale, role: h.role}
}

// wanted describes what opts ask of a host.
func wanted(opts winsim.Options) string {
	var w []string
	for _, s := range []string{string(opts.Profile), string(opts.Locale), string(opts.Role)} {
		if s != "" {
			w = append(w, s)
		}
	}
	return strings.Join(w, ", ")
}

// take waits until one of hosts is free and takes it.
func take(hosts []*labHost) *labHost {
	cases := make([]reflect.SelectCase, len(hosts))
	for i, h := range hosts {
		cases[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(h.free)}
	}
	i, _, _ := reflect.Select(cases)
	return hosts[i]
}

// parallelTests holds the tests newTarget made parallel, for accTest.
var parallelTests sync.Map

// markParallel calls t.Parallel once per test. In real-host mode newTarget
// must make the test parallel before it waits for a host: a test waiting
// for a host held by a paused parallel test would otherwise never end.
func markParallel(t *testing.T) {
	if _, loaded := parallelTests.LoadOrStore(t, true); !loaded {
		t.Parallel()
	}
}

// accTest runs an acceptance test case in parallel with the others, as
// resource.ParallelTest does, but without calling t.Parallel a second time
// when newTarget already has.
func accTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	if _, ok := parallelTests.Load(t); ok {
		resource.Test(t, tc)
		return
	}
	resource.ParallelTest(t, tc)
}

// eachHost runs f in a subtest per host: against simulated hosts, one per
// profile and role of the lists (a nil list of roles: the profile's default
// role only); in real-host mode, one per real host, named by its version,
// locale and role, with opts that select it. f passes opts to newTarget.
func eachHost(t *testing.T, profiles []winhost.Profile, roles []winhost.Role, f func(t *testing.T, opts winsim.Options)) {
	t.Helper()
	if realHost() {
		for _, h := range lab.hosts {
			opts := winsim.Options{Profile: h.profile, Locale: h.locale, Role: h.role}
			t.Run(fmt.Sprintf("%s-%s-%s-%s", h.addr, orUnknown(string(h.profile)), orUnknown(string(h.locale)), orUnknown(string(h.role))),
				func(t *testing.T) {
					pinned.Store(t, h)
					f(t, opts)
				})
		}
		return
	}
	for _, p := range profiles {
		if roles == nil {
			t.Run(string(p), func(t *testing.T) { f(t, winsim.Options{Profile: p}) })
			continue
		}
		for _, r := range roles {
			t.Run(fmt.Sprintf("%s-%s", p, r), func(t *testing.T) { f(t, winsim.Options{Profile: p, Role: r}) })
		}
	}
}
