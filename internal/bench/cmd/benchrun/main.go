// Command benchrun is the driver of `make bench` (scripts/bench.sh): it
// starts simulated Windows hosts in this process, runs the real Terraform or
// OpenTofu CLI against a built provider (through dev_overrides) over 1, 10 and
// 100 hosts at several per-request latencies, for the provider's transport
// and for the fresh-shell-per-command baseline (the same provider built with
// -tags benchbaseline), and writes docs/benchmarks.md.
// It prints one line per case.
//
// Usage:
//
//	benchrun -cli PATH -provider PATH -baseline-provider PATH [-out docs/benchmarks.md] [-hosts 1,10,100]
//	         [-latencies 0,20ms] [-parallelism 10] [-refresh-samples 3] [-apply-samples 2]
//	         [-gobench FILE] [-provider-version TEXT]
//
// Peak memory: the dev_overrides directory holds this very binary under the
// provider's name; started by the CLI with BENCHRUN_WRAP set, it runs the real
// provider as its child with the same stdin, stdout, stderr and arguments
// (the plugin handshake passes through untouched), waits for it, and writes the
// child's peak resident set (getrusage ru_maxrss) to BENCHRUN_RSS_DIR.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/bench"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

const (
	wrapEnv   = "BENCHRUN_WRAP"
	rssDirEnv = "BENCHRUN_RSS_DIR"
	username  = "Administrator"
	password  = "Bench-Passw0rd!"
)

func main() {
	if target := os.Getenv(wrapEnv); target != "" {
		os.Exit(wrap(target, os.Getenv(rssDirEnv)))
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

type options struct {
	cli, provider, baseline, out, gobench, version string
	hosts, mixedHosts                              []int
	latencies                                      []time.Duration
	parallelism                                    int
	refreshSamples, applySamples                   int
	// Host counts above baselineMax run the provider's transport only,
	// creates and largeSamples refreshes.
	baselineMax, largeSamples int
	keep, verbose             bool
}

func parseFlags() (options, error) {
	var o options
	var hosts, mixed, lats string
	flag.StringVar(&o.cli, "cli", "", "Terraform or OpenTofu executable (required)")
	flag.StringVar(&o.provider, "provider", "", "built terraform-provider-windows executable (required)")
	flag.StringVar(&o.baseline, "baseline-provider", "",
		"the same provider built with -tags benchbaseline, the fresh-shell-per-command baseline (required)")
	flag.StringVar(&o.out, "out", "docs/benchmarks.md", "report to write (\"\" for none)")
	flag.StringVar(&hosts, "hosts", "1,10,100,1000", "host counts, comma-separated")
	flag.StringVar(&mixed, "mixed-hosts", "100", "host counts of the mixed configuration ("+bench.MixedConfiguration+
		" per host), comma-separated, \"\" for none")
	flag.IntVar(&o.baselineMax, "baseline-max", 100,
		"host counts above this run the provider's transport only, without the baseline, creates and refreshes only")
	flag.IntVar(&o.largeSamples, "large-samples", 1, "refresh samples of the host counts above -baseline-max")
	flag.StringVar(&lats, "latencies", "0,20ms", "per-request latencies, comma-separated (0 is needed for the ideal bound)")
	flag.IntVar(&o.parallelism, "parallelism", 10, "the CLI's -parallelism")
	flag.IntVar(&o.refreshSamples, "refresh-samples", 5, "refresh-only plans per case")
	flag.IntVar(&o.applySamples, "apply-samples", 3, "update applies per case")
	flag.StringVar(&o.gobench, "gobench", "", "file with `go test -bench` output to include in the report")
	flag.StringVar(&o.version, "provider-version", "", "provider version or commit, for the report")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (CLI logs, states)")
	flag.BoolVar(&o.verbose, "v", false, "print the counters of every CLI run")
	flag.Parse()
	if o.cli == "" || o.provider == "" || o.baseline == "" {
		return o, errors.New("-cli, -provider and -baseline-provider are required")
	}
	var err error
	if o.hosts, err = hostCounts("-hosts", hosts); err != nil {
		return o, err
	}
	if o.mixedHosts, err = hostCounts("-mixed-hosts", mixed); err != nil {
		return o, err
	}
	for _, f := range strings.Split(lats, ",") {
		f = strings.TrimSpace(f)
		if f == "0" {
			f = "0s"
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			return o, fmt.Errorf("-latencies: %q is not a duration", f)
		}
		o.latencies = append(o.latencies, d)
	}
	if o.parallelism < 1 || o.refreshSamples < 1 || o.applySamples < 1 || o.largeSamples < 1 {
		return o, errors.New("-parallelism and the sample counts must be at least 1")
	}
	return o, nil
}

// maxHosts is winsim.StartN's limit: one loopback address per host.
const maxHosts = 60000

// hostCounts parses a comma-separated list of host counts ("" is none).
func hostCounts(flagName, list string) ([]int, error) {
	var ns []int
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxHosts {
			return nil, fmt.Errorf("%s: %q is not a number between 1 and %d", flagName, f, maxHosts)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// env is the environment of every CLI run: a CLI configuration of its own
// with dev_overrides to the wrapper, nothing from the user's WINDOWS_* or TF_*
// settings. The wrapper runs providers[mode].
type env struct {
	base      []string
	providers map[bench.Mode]string
	work      string
	rssDir    string
	cli       string
	cliName   string
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	for _, p := range []*string{&o.cli, &o.provider, &o.baseline} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "benchrun.")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "bin")
	rssDir := filepath.Join(work, "rss")
	for _, d := range []string{bin, rssDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return err
		}
	}
	if err := os.Symlink(self, filepath.Join(bin, "terraform-provider-windows")); err != nil {
		return err
	}
	tfrc := filepath.Join(work, "cli.tfrc")
	if err := os.WriteFile(tfrc, []byte(fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/w32time/windows" = %q
  }
  direct {}
}
`, bin)), 0o600); err != nil {
		return err
	}
	e := &env{work: work, rssDir: rssDir, cli: o.cli,
		providers: map[bench.Mode]string{bench.Reused: o.provider, bench.FreshShell: o.baseline}}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "WINDOWS_") || strings.HasPrefix(k, "BENCHRUN_") {
			continue
		}
		e.base = append(e.base, kv)
	}
	e.base = append(e.base, "TF_CLI_CONFIG_FILE="+tfrc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		rssDirEnv+"="+rssDir)

	// G204: the CLI is the one the developer running the benchmark named.
	cliVersion, err := exec.CommandContext(context.Background(), o.cli, "version").Output() //nolint:gosec // see above
	if err != nil {
		return fmt.Errorf("%s version: %w", o.cli, err)
	}
	e.cliName = firstLine(string(cliVersion))
	rep := &bench.Report{Machine: machine(e.cliName, o.version)}
	rep.Notes = append(rep.Notes, method(o))

	start := time.Now()
	for _, n := range o.hosts {
		cases, err := runHosts(e, o, n)
		rep.Cases = append(rep.Cases, cases...)
		if err != nil {
			return err
		}
		for _, row := range rep.Rows() {
			if row.Case.Hosts == n {
				fmt.Println(row.Line())
			}
		}
	}
	for _, n := range o.mixedHosts {
		cases, err := runMixed(e, o, n)
		rep.Cases = append(rep.Cases, cases...)
		if err != nil {
			return err
		}
		for _, row := range rep.Rows() {
			if row.Case.Hosts == n && (row.Case.Op == bench.OpMixedCreate || row.Case.Op == bench.OpMixedPlan) {
				fmt.Println(row.Line())
			}
		}
	}
	fmt.Printf("benchmark cases took %s\n", time.Since(start).Round(time.Second))
	rep.Machine.Load += " before, " + loadAverage() + " after"

	if o.gobench != "" {
		b, err := os.ReadFile(o.gobench)
		if err != nil {
			return err
		}
		rep.GoBench = string(b)
	}
	for _, t := range rep.Targets() {
		status := "MISSED"
		switch {
		case !t.Known:
			status = "not measured"
		case t.Met:
			status = "met"
		}
		fmt.Printf("target %-58s want %-8s got %s: %s\n", t.What, t.Want, t.Got, status)
	}
	if o.out == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := rep.WriteMarkdown(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(o.out, buf.Bytes(), 0o644); err != nil { //nolint:gosec // G306: a file of the repository, read by everyone
		return err
	}
	fmt.Println("wrote", o.out)
	return nil
}

// lane is one combination of latency and transport for a host count: its
// own simulated hosts, working directory and state, and its cases.
type lane struct {
	lat                    time.Duration
	mode                   bench.Mode
	hosts                  []*winsim.Host
	dir                    string
	create, refresh, apply *bench.Case
}

// runHosts measures every latency and transport over n hosts. Each lane gets
// fresh hosts, so that lanes are independent (registry contents, shells,
// connections), and the lanes' samples are interleaved: the machine's load
// drifts, and a 0 ms case and its 20 ms twin, or a case and its baseline,
// should see the same load. It returns the cases, those of failed lanes too.
func runHosts(e *env, o options, n int) ([]*bench.Case, error) {
	var lanes []*lane
	var cases []*bench.Case
	modes := []bench.Mode{bench.Reused, bench.FreshShell}
	refreshSamples, applySamples := o.refreshSamples, o.applySamples
	if n > o.baselineMax {
		// The fleet's memory and wall time, not a comparison: no baseline,
		// and no apply, which runs what the smaller counts measure for
		// minutes more.
		modes = modes[:1]
		refreshSamples, applySamples = o.largeSamples, 0
	}
	defer func() {
		for _, l := range lanes {
			for _, h := range l.hosts {
				_ = h.Close()
			}
		}
	}()
	for _, lat := range o.latencies {
		for _, mode := range modes {
			hosts, err := winsim.StartN(n, 0, winsim.Options{Profile: "2022", Username: username, Password: password, Latency: lat})
			if err != nil {
				return cases, err
			}
			l := &lane{lat: lat, mode: mode, hosts: hosts, dir: filepath.Join(e.work, fmt.Sprintf("%dh-%s-%s", n, lat, mode))}
			lanes = append(lanes, l)
			if err := os.MkdirAll(l.dir, 0o750); err != nil {
				return cases, err
			}
			if err := os.WriteFile(filepath.Join(l.dir, "main.tf"), []byte(config(hosts, false)), 0o600); err != nil {
				return cases, err
			}
			newCase := func(op bench.Op) *bench.Case {
				c := &bench.Case{Op: op, Hosts: n, Latency: lat, Mode: mode, Parallelism: o.parallelism}
				cases = append(cases, c)
				return c
			}
			l.create, l.refresh = newCase(bench.OpCreate), newCase(bench.OpRefresh)
			if applySamples > 0 {
				l.apply = newCase(bench.OpApply)
			}
		}
	}

	par := "-parallelism=" + strconv.Itoa(o.parallelism)
	measure := func(l *lane, c *bench.Case, args ...string) error {
		s, err := e.timed(l.dir, l.hosts, l.mode, append(args, par)...)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
		c.Samples = append(c.Samples, s)
		if o.verbose {
			fmt.Printf("  %s sample %d: %s %+v shells left %d\n", c.Name(), len(c.Samples), s.Wall.Round(time.Millisecond), s.Counts, s.ShellsLeft)
		}
		return nil
	}
	for _, l := range lanes {
		if err := measure(l, l.create, "apply", "-auto-approve", "-input=false", "-no-color", "-var", "type=NTP"); err != nil {
			return cases, err
		}
	}
	for range refreshSamples {
		for _, l := range lanes {
			if err := measure(l, l.refresh, "plan", "-refresh-only", "-input=false", "-no-color", "-var", "type=NTP"); err != nil {
				return cases, err
			}
		}
	}
	typ := "NTP"
	for range applySamples {
		if typ == "NTP" {
			typ = "AllSync"
		} else {
			typ = "NTP"
		}
		for _, l := range lanes {
			if err := measure(l, l.apply, "apply", "-auto-approve", "-refresh=false", "-input=false", "-no-color", "-var", "type="+typ); err != nil {
				return cases, err
			}
			for i, h := range l.hosts {
				if v, _ := h.Machine().GetValue(`HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters`, "Type"); v.Str != typ {
					return cases, fmt.Errorf("%s: host %d holds Type=%q after the apply, want %q", l.apply.Name(), i+1, v.Str, typ)
				}
			}
		}
	}
	return cases, nil
}

// runMixed measures the mixed configuration over n hosts at 0 ms with the
// provider's transport: one create, then o.refreshSamples plans. The
// requests per host do not depend on the latency.
func runMixed(e *env, o options, n int) ([]*bench.Case, error) {
	hosts, err := winsim.StartN(n, 0, winsim.Options{Profile: "2022", Username: username, Password: password})
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, h := range hosts {
			_ = h.Close()
		}
	}()
	dir := filepath.Join(e.work, fmt.Sprintf("%dh-mixed", n))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config(hosts, true)), 0o600); err != nil {
		return nil, err
	}
	create := &bench.Case{Op: bench.OpMixedCreate, Hosts: n, Mode: bench.Reused, Parallelism: o.parallelism}
	plan := &bench.Case{Op: bench.OpMixedPlan, Hosts: n, Mode: bench.Reused, Parallelism: o.parallelism}
	cases := []*bench.Case{create, plan}
	par := "-parallelism=" + strconv.Itoa(o.parallelism)
	measure := func(c *bench.Case, args ...string) error {
		s, err := e.timed(dir, hosts, bench.Reused, append(args, par)...)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
		c.Samples = append(c.Samples, s)
		if o.verbose {
			fmt.Printf("  %s sample %d: %s %+v shells left %d\n", c.Name(), len(c.Samples), s.Wall.Round(time.Millisecond), s.Counts, s.ShellsLeft)
		}
		return nil
	}
	if err := measure(create, "apply", "-auto-approve", "-input=false", "-no-color", "-var", "type=NTP"); err != nil {
		return cases, err
	}
	for range o.refreshSamples {
		if err := measure(plan, "plan", "-input=false", "-no-color", "-var", "type=NTP"); err != nil {
			return cases, err
		}
	}
	return cases, nil
}

// config is one windows_ntp_config per host, and with mixed a
// windows_time_zone, a windows_host and a windows_ntp_status too.
func config(hosts []*winsim.Host, mixed bool) string {
	addrs := make([]string, len(hosts))
	for i, h := range hosts {
		addrs[i] = strconv.Quote(h.Addr())
	}
	c := fmt.Sprintf(`terraform {
  required_providers {
    windows = {
      source = "registry.terraform.io/w32time/windows"
    }
  }
}

variable "type" {
  type = string
}

provider "windows" {
  username = %q
  password = %q
}

locals {
  hosts = [%s]
}

resource "windows_ntp_config" "host" {
  count       = length(local.hosts)
  host        = local.hosts[count.index]
  type        = var.type
  ntp_servers = [{ address = "ntp.nict.jp" }, { address = "time.windows.com", flags = ["UseAsFallbackOnly", "Client"] }]
}
`, username, password, strings.Join(addrs, ", "))
	if mixed {
		c += mixedConfig
	}
	return c
}

// mixedConfig adds the rest of issue 12's resources and data sources to
// config, on the same hosts.
const mixedConfig = `
resource "windows_time_zone" "host" {
  count     = length(local.hosts)
  host      = local.hosts[count.index]
  time_zone = "Asia/Tokyo"
}

data "windows_host" "host" {
  count = length(local.hosts)
  host  = local.hosts[count.index]
}

data "windows_ntp_status" "host" {
  count = length(local.hosts)
  host  = local.hosts[count.index]
}
`

// timed runs the CLI once in dir and returns its wall time, the hosts'
// counters and the provider processes' peak RSS.
func (e *env) timed(dir string, hosts []*winsim.Host, mode bench.Mode, args ...string) (bench.Sample, error) {
	var s bench.Sample
	openBefore := 0
	for _, h := range hosts {
		h.ResetStats()
		openBefore += h.Stats().ShellsOpen
	}
	if err := clearDir(e.rssDir); err != nil {
		return s, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.cli, args...) //nolint:gosec // G204: the developer's CLI with arguments built here
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), e.base...), wrapEnv+"="+e.providers[mode])
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	s.Wall = time.Since(start)
	log := filepath.Join(dir, "cli.log")
	f, ferr := os.OpenFile(log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if ferr == nil {
		fmt.Fprintf(f, "$ %s\n%s\n", strings.Join(args, " "), out.Bytes())
		_ = f.Close()
	}
	if err != nil {
		return s, fmt.Errorf("%s %s: %w\n%s", e.cliName, strings.Join(args, " "), err, tail(out.String(), 40))
	}
	openAfter := 0
	for _, h := range hosts {
		st := h.Stats()
		s.Counts.Add(st)
		openAfter += st.ShellsOpen
	}
	s.ShellsLeft = openAfter - openBefore
	s.PeakRSS, err = peakRSS(e.rssDir)
	return s, err
}

func clearDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, ent := range ents {
		if err := os.Remove(filepath.Join(dir, ent.Name())); err != nil {
			return err
		}
	}
	return nil
}

// peakRSS is the largest value the wrappers wrote, in bytes.
func peakRSS(dir string) (int64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var peak int64
	for _, ent := range ents {
		if strings.HasSuffix(ent.Name(), ".tmp") {
			continue // a write the CLI's kill interrupted
		}
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", ent.Name(), err)
		}
		peak = max(peak, n)
	}
	return peak, nil
}

func machine(cli, version string) bench.Machine {
	m := bench.Machine{
		CPU:      "unknown",
		Cores:    strconv.Itoa(runtime.NumCPU()),
		OS:       runtime.GOOS + "/" + runtime.GOARCH,
		Go:       runtime.Version(),
		CLI:      cli,
		Date:     time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Provider: version,
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS += ", Linux " + strings.TrimSpace(string(b))
	}
	if m.Provider == "" {
		m.Provider = "(not given)"
	}
	m.Load = loadAverage()
	return m
}

// loadAverage is the 1-minute load average, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}

// method is the report's paragraph on how the figures were taken.
func method(o options) string {
	return fmt.Sprintf(`## Method

- Hosts: simulated Windows Server 2022 hosts (`+"`internal/winsim`"+`, the real WinRM protocol with NTLM and
  message encryption over HTTP, as a default Windows host), served by the driver itself, one loopback address
  each (127.0.0.2 and up), one port. Each group of cases (host count, latency, transport) gets fresh hosts. The latency is added to
  every HTTP request, authentication legs included.
- CLI: the real binary, with the built provider through `+"`dev_overrides`"+`; every command is a new provider
  process, as in real use, so each run pays one NTLM handshake per host and, with the reused transport,
  opens one shell per host and deletes it when the CLI stops the provider: that is the *warm-up* column.
- Operations, one `+"`windows_ntp_config`"+` per host: *create* is `+"`apply`"+` from an empty state (each
  Create reads the host, then applies and reads back in one command); *refresh* is `+"`plan -refresh-only`"+`
  (one Read, one command); *apply* is `+"`apply -refresh=false`"+` of a changed `+"`type`"+` (one Update:
  the read that picks the per-version plan, then the apply with its read-back). A default `+"`apply`"+` costs
  about one refresh plus one apply. %d refresh and %d apply samples per case; one create. Host counts
  above %d run the provider's transport only, a create and %d refresh per latency, no apply.
- Mixed configuration (*mixed-* rows), at 0 ms: %s per host; *mixed-create* is `+"`apply`"+` from an
  empty state, *mixed-plan* a `+"`plan`"+` with the resources in the state (two resources refreshed, two data
  sources read), %d samples. Requests are per host.
- Baseline: the same provider built with `+"`-tags benchbaseline`"+`, whose transport opens a shell, runs the
  command and deletes the shell every time, as masterzen/winrm's RunWithContext does, but on the same
  authenticated NTLM connection. masterzen/winrm itself, with NTLM message encryption, also authenticates
  again for every message (see BenchmarkRunFreshShell below), so the real naive client is slower still.
- Requests: the simulator's counters (every HTTP request; SOAP requests by action; shells created), reset
  before each CLI run and summed over the hosts. Requests per operation divide by the number of resources.
- Peak RSS: the CLI starts, through dev_overrides, a wrapper that runs the provider as its child and reads
  the child's getrusage ru_maxrss when it exits; the figure is the largest over every provider process the
  CLI started for the case (the CLI also starts short-lived ones for schemas and validation).
- Ideal bound of a case: its own wall time at 0 ms + ceil(hosts / parallelism) x %d requests x latency, %d
  being the fewest requests of one command on an open shell (Command, Receive, Signal). It counts one
  command per operation, and no handshake, so it is strict for create and apply, which run two commands.`,
		o.refreshSamples, o.applySamples, o.baselineMax, o.largeSamples, bench.MixedConfiguration, o.refreshSamples,
		bench.MinRequestsPerCommand, bench.MinRequestsPerCommand)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
