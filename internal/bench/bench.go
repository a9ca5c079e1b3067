// Package bench holds the arithmetic and the report of the fleet benchmark
// (`make bench`, scripts/bench.sh): the real Terraform or OpenTofu CLI drives
// the provider against simulated Windows hosts, and the simulator's counters
// say how many WinRM requests each resource operation cost. The driver is
// cmd/benchrun; this package is plain Go so that its sums are unit-tested.
package bench

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// MinRequestsPerCommand is the fewest HTTP requests a WinRM command costs on
// an authenticated connection with its shell already open: Command, one
// Receive that returns the output and the exit code, and the Signal that
// releases the command. It is the "ideal" of the bound.
const MinRequestsPerCommand = 3

// Op is the CLI operation a case times.
type Op string

// The operations measured.
const (
	// OpCreate is `apply` from an empty state: one Create per resource.
	OpCreate Op = "create"
	// OpRefresh is `plan -refresh-only` with the resources in the state: one
	// Read per resource.
	OpRefresh Op = "refresh"
	// OpApply is `apply -refresh=false` of a changed type: one Update per
	// resource and nothing else, so the requests counted are the apply's own.
	OpApply Op = "apply"
	// OpMixedCreate is `apply` from an empty state of the mixed
	// configuration (MixedConfiguration), per host.
	OpMixedCreate Op = "mixed-create"
	// OpMixedPlan is `plan` of the mixed configuration with its resources in
	// the state: per host, two resources refreshed and two data sources read.
	OpMixedPlan Op = "mixed-plan"
)

// Mixed reports whether op is one of the mixed configuration's.
func (op Op) Mixed() bool { return op == OpMixedCreate || op == OpMixedPlan }

// MixedConfiguration names what the mixed cases declare per host.
const MixedConfiguration = "`windows_ntp_config` + `windows_time_zone` + `windows_host` + `windows_ntp_status`"

// Memory targets (issue 12): the provider's peak resident set up to
// SmallFleet hosts, and at LargeFleet hosts.
const (
	SmallFleet    = 100
	LargeFleet    = 1000
	SmallFleetRSS = 64 << 20
	LargeFleetRSS = 128 << 20
)

// Mode is the transport under test.
type Mode string

// The transports compared.
const (
	// Reused is the provider as shipped: shells kept open and reused.
	Reused Mode = "reused"
	// FreshShell is the naive baseline (the provider built with -tags
	// benchbaseline): a shell opened and deleted around every command.
	FreshShell Mode = "fresh-shell"
)

// Counts are WinRM requests summed over the hosts of a case during one CLI run.
type Counts struct {
	HTTP         int // every HTTP request, authentication legs included
	Auth         int // requests without a SOAP message: NTLM handshake legs
	Create       int
	Command      int
	Receive      int
	Signal       int
	Delete       int
	Other        int // Send, unknown actions
	ShellsOpened int
}

// Add adds one host's counters.
func (c *Counts) Add(s winsim.Stats) {
	c.HTTP += s.HTTPRequests
	c.Auth += s.Requests["Auth"]
	c.Create += s.Requests["Create"]
	c.Command += s.Requests["Command"]
	c.Receive += s.Requests["Receive"]
	c.Signal += s.Requests["Signal"]
	c.Delete += s.Requests["Delete"]
	c.Other += s.Requests["Send"] + s.Requests["Other"]
	c.ShellsOpened += s.ShellsOpened
}

// Warmup is what a provider process pays once per host, whatever the number
// of commands it runs there: the NTLM handshake legs and, for the reused
// transport, opening the shell it keeps and deleting it when the CLI stops the
// provider. For the fresh-shell baseline the Creates and Deletes are part of
// every command, so only the handshake counts.
func (c Counts) Warmup(m Mode) int {
	if m == Reused {
		return c.Auth + c.Create + c.Delete
	}
	return c.Auth
}

// Sample is one timed CLI run.
type Sample struct {
	Wall   time.Duration
	Counts Counts
	// PeakRSS is the largest resident set of any provider process the CLI
	// started during the run, in bytes (0 when unknown).
	PeakRSS int64
	// ShellsLeft is how many shells the run left open on the hosts.
	ShellsLeft int
}

// Case is one measured combination, with its samples.
type Case struct {
	Op          Op
	Hosts       int // one resource per host
	Latency     time.Duration
	Mode        Mode
	Parallelism int
	Samples     []Sample
}

// Name is a short label such as "refresh/100h/20ms/reused".
func (c *Case) Name() string {
	return fmt.Sprintf("%s/%dh/%s/%s", c.Op, c.Hosts, fmtLatency(c.Latency), c.Mode)
}

// Wall is the median wall time of the samples.
func (c *Case) Wall() time.Duration {
	if len(c.Samples) == 0 {
		return 0
	}
	w := make([]time.Duration, len(c.Samples))
	for i, s := range c.Samples {
		w[i] = s.Wall
	}
	sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
	if n := len(w); n%2 == 0 {
		return (w[n/2-1] + w[n/2]) / 2
	}
	return w[len(w)/2]
}

// PeakRSS is the largest PeakRSS of the samples.
func (c *Case) PeakRSS() int64 {
	var m int64
	for _, s := range c.Samples {
		m = max(m, s.PeakRSS)
	}
	return m
}

// total sums the counters of every sample.
func (c *Case) total() Counts {
	var t Counts
	for _, s := range c.Samples {
		t.HTTP += s.Counts.HTTP
		t.Auth += s.Counts.Auth
		t.Create += s.Counts.Create
		t.Command += s.Counts.Command
		t.Receive += s.Counts.Receive
		t.Signal += s.Counts.Signal
		t.Delete += s.Counts.Delete
		t.Other += s.Counts.Other
		t.ShellsOpened += s.Counts.ShellsOpened
	}
	return t
}

// ops is the number of resource operations the samples performed.
func (c *Case) ops() int { return c.Hosts * len(c.Samples) }

// RequestsPerOp is the mean number of HTTP requests per resource operation,
// everything included.
func (c *Case) RequestsPerOp() float64 {
	if c.ops() == 0 {
		return 0
	}
	return float64(c.total().HTTP) / float64(c.ops())
}

// SteadyRequestsPerOp is RequestsPerOp without the per-process warm-up
// (Warmup): what an operation costs once the host's connection is
// authenticated and, for the reused transport, its shell is open.
func (c *Case) SteadyRequestsPerOp() float64 {
	if c.ops() == 0 {
		return 0
	}
	t := c.total()
	return float64(t.HTTP-t.Warmup(c.Mode)) / float64(c.ops())
}

// WarmupPerOp is the mean warm-up requests per resource operation.
func (c *Case) WarmupPerOp() float64 {
	if c.ops() == 0 {
		return 0
	}
	return float64(c.total().Warmup(c.Mode)) / float64(c.ops())
}

// CommandsPerOp is the mean number of WinRM commands per resource operation.
func (c *Case) CommandsPerOp() float64 {
	if c.ops() == 0 {
		return 0
	}
	return float64(c.total().Command) / float64(c.ops())
}

// ShellsPerOp is the mean number of shells opened per resource operation.
func (c *Case) ShellsPerOp() float64 {
	if c.ops() == 0 {
		return 0
	}
	return float64(c.total().ShellsOpened) / float64(c.ops())
}

// ShellsLeftPerRun is the mean number of shells a run left open per host.
func (c *Case) ShellsLeftPerRun() float64 {
	if c.ops() == 0 {
		return 0
	}
	n := 0
	for _, s := range c.Samples {
		n += s.ShellsLeft
	}
	return float64(n) / float64(c.ops())
}

// Waves is ceil(hosts / parallelism): how many rounds of operations the CLI
// needs when each round runs parallelism of them at once.
func Waves(hosts, parallelism int) int {
	if parallelism <= 0 {
		parallelism = 1
	}
	return (hosts + parallelism - 1) / parallelism
}

// IdealBound is the bound on a case's wall time: the same case at
// 0 ms plus, for every wave of operations, the minimum requests of one
// command on an open shell, each paying the latency once.
func IdealBound(atZero time.Duration, hosts, parallelism int, latency time.Duration) time.Duration {
	return atZero + time.Duration(Waves(hosts, parallelism)*MinRequestsPerCommand)*latency
}

// Report is everything docs/benchmarks.md shows.
type Report struct {
	Machine Machine
	Cases   []*Case
	// GoBench is the output of `go test -bench` for the parsers and the
	// planner, shown as it is.
	GoBench string
	// Notes are extra paragraphs (how a measurement was taken), shown after
	// the method.
	Notes []string
}

// Machine describes where the benchmark ran.
type Machine struct {
	CPU, Cores, OS, Go, CLI, Date, Provider string
	// Load is the 1-minute load average before and after the run: the
	// figures are only as good as the machine was quiet.
	Load string
}

// find returns the case with the same op and hosts at another latency or mode.
func (r *Report) find(op Op, hosts int, latency time.Duration, mode Mode) *Case {
	for _, c := range r.Cases {
		if c.Op == op && c.Hosts == hosts && c.Latency == latency && c.Mode == mode {
			return c
		}
	}
	return nil
}

// Row is one line of the results table, derived from a Case and its peers.
type Row struct {
	Case          *Case
	Wall          time.Duration
	ReqPerOp      float64 // all HTTP requests per resource operation
	WarmupPerOp   float64
	SteadyPerOp   float64
	CommandsPerOp float64
	ShellsPerOp   float64
	ShellsLeft    float64 // per host per run
	VsBaseline    float64 // wall / wall of the fresh-shell case; 0 when none
	Ideal         time.Duration
	VsIdeal       float64 // 0 when the 0 ms case is missing
	PeakRSS       int64
}

// Rows derives the table rows, in the order the cases were run.
func (r *Report) Rows() []Row {
	rows := make([]Row, 0, len(r.Cases))
	for _, c := range r.Cases {
		row := Row{
			Case: c, Wall: c.Wall(), ReqPerOp: c.RequestsPerOp(), WarmupPerOp: c.WarmupPerOp(),
			SteadyPerOp: c.SteadyRequestsPerOp(), CommandsPerOp: c.CommandsPerOp(), ShellsPerOp: c.ShellsPerOp(),
			ShellsLeft: c.ShellsLeftPerRun(), PeakRSS: c.PeakRSS(),
		}
		if b := r.find(c.Op, c.Hosts, c.Latency, FreshShell); b != nil && b.Wall() > 0 {
			row.VsBaseline = float64(row.Wall) / float64(b.Wall())
		}
		if z := r.find(c.Op, c.Hosts, 0, c.Mode); z != nil && z.Wall() > 0 {
			row.Ideal = IdealBound(z.Wall(), c.Hosts, c.Parallelism, c.Latency)
			row.VsIdeal = float64(row.Wall) / float64(row.Ideal)
		}
		rows = append(rows, row)
	}
	return rows
}

// Line is the one-line summary of a row that the driver prints.
func (row Row) Line() string {
	c := row.Case
	s := fmt.Sprintf("%-30s wall %7s  req/op %5.2f (warm-up %4.2f, steady %4.2f)  shells/op %4.2f",
		c.Name(), fmtDur(row.Wall), row.ReqPerOp, row.WarmupPerOp, row.SteadyPerOp, row.ShellsPerOp)
	if row.VsBaseline > 0 && c.Mode != FreshShell {
		s += fmt.Sprintf("  x%.2f baseline", row.VsBaseline)
	}
	if row.VsIdeal > 0 {
		s += fmt.Sprintf("  x%.2f ideal (%s)", row.VsIdeal, fmtDur(row.Ideal))
	}
	if row.PeakRSS > 0 {
		s += fmt.Sprintf("  rss %.1f MiB", mib(row.PeakRSS))
	}
	return s
}

// Target is one of the targets with the measured value.
type Target struct {
	What, Want, Got string
	Met             bool
	Known           bool   // false when the cases it needs were not run
	Note            string // a caveat on the verdict
}

// Targets checks the targets against the reused-transport cases.
func (r *Report) Targets() []Target {
	rows := r.Rows()
	var ts []Target

	worst := func(op Op, f func(Row) float64) (float64, bool) {
		v, ok := 0.0, false
		for _, row := range rows {
			if row.Case.Op == op && row.Case.Mode == Reused && len(row.Case.Samples) > 0 {
				v, ok = math.Max(v, f(row)), true
			}
		}
		return v, ok
	}
	steady := func(row Row) float64 { return row.SteadyPerOp }
	total := func(row Row) float64 { return row.ReqPerOp }

	for _, g := range []struct {
		op         Op
		what, want string
		limit      float64
	}{
		{OpRefresh, "HTTP requests per refresh, shell open", "<= 3", 3},
		// An update sends one command (it takes the version from the state),
		// a create two (it reads the host first): issue 11.
		{OpApply, "HTTP requests per update, read-back included, shell open", "<= 3", 3},
		{OpCreate, "HTTP requests per create, read-back included, shell open", "<= 6", 6},
		// One read per host per provider process, whatever reads it (issue
		// 12): the same as one resource.
		{OpMixedPlan, "HTTP requests per host, plan of " + MixedConfiguration + ", shell open", "<= 3", 3},
	} {
		t := Target{What: g.what, Want: g.want}
		if v, ok := worst(g.op, steady); ok {
			all, _ := worst(g.op, total)
			t.Got = fmt.Sprintf("%.3f (%.2f with the per-process warm-up)", v, all)
			t.Met, t.Known = v <= g.limit, true
		}
		ts = append(ts, t)
	}
	for _, n := range idealHosts(r.Cases) {
		t := Target{What: fmt.Sprintf("%d-host refresh at 20 ms vs its ideal bound", n), Want: "<= 1.5x",
			Note: "the verdict depends on the machine's speed and load; see the analysis"}
		for _, row := range rows {
			c := row.Case
			if c.Op == OpRefresh && c.Hosts == n && c.Latency == 20*time.Millisecond && c.Mode == Reused && row.VsIdeal > 0 {
				t.Got = fmt.Sprintf("%.2fx (%s vs %s)", row.VsIdeal, fmtDur(row.Wall), fmtDur(row.Ideal))
				t.Met, t.Known = row.VsIdeal <= 1.5, true
			}
		}
		ts = append(ts, t)
	}
	return append(ts, r.memoryTarget(fmt.Sprintf("up to %d hosts", SmallFleet), "< 64 MiB", SmallFleetRSS,
		func(n int) bool { return n <= SmallFleet }),
		r.memoryTarget(fmt.Sprintf("%d hosts", LargeFleet), "< 128 MiB", LargeFleetRSS,
			func(n int) bool { return n == LargeFleet }))
}

// idealHosts are the host counts whose 20 ms refresh is held to the 1.5x
// bound: SmallFleet always (reported as not measured when missing), and
// LargeFleet when it was run.
func idealHosts(cases []*Case) []int {
	hs := []int{SmallFleet}
	for _, c := range cases {
		if c.Hosts == LargeFleet {
			return append(hs, LargeFleet)
		}
	}
	return hs
}

// memoryTarget is the largest peak RSS of the cases whose host count
// matches, against limit.
func (r *Report) memoryTarget(scope, want string, limit int64, match func(hosts int) bool) Target {
	var peak int64
	for _, c := range r.Cases {
		// The mixed configuration declares four objects per host, not one.
		if match(c.Hosts) && !c.Op.Mixed() {
			peak = max(peak, c.PeakRSS())
		}
	}
	t := Target{What: "provider peak resident memory, one windows_ntp_config per host, " + scope, Want: want}
	if peak > 0 {
		t.Got, t.Met, t.Known = fmt.Sprintf("%.1f MiB", mib(peak)), peak < limit, true
	}
	return t
}

// WriteMarkdown renders docs/benchmarks.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Generated by `make bench` (`scripts/bench.sh`, driver `internal/bench/cmd/benchrun`). " +
		"Do not edit by hand: run it again.\n\n")
	b.WriteString("## Machine\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n| Date | %s |\n| CPU | %s |\n| Cores | %s |\n| OS | %s |\n| Go | %s |\n| CLI | %s |\n| Provider | %s |\n",
		m.Date, m.CPU, m.Cores, m.OS, m.Go, m.CLI, m.Provider)
	if m.Load != "" {
		fmt.Fprintf(&b, "| Load average (1 min) | %s |\n", m.Load)
	}
	b.WriteString("\n")

	b.WriteString("## Targets\n\n| Target | Wanted | Measured | Met |\n|---|---|---|---|\n")
	for _, t := range r.Targets() {
		met := "no"
		switch {
		case !t.Known:
			met, t.Got = "not measured", "-"
		case t.Met:
			met = "yes"
		}
		if t.Known && t.Note != "" {
			met += " (" + t.Note + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.What, t.Want, t.Got, met)
	}
	b.WriteString("\n")

	b.WriteString("## Results\n\n")
	b.WriteString("One `windows_ntp_config` per simulated host (the *mixed-* rows: " + MixedConfiguration +
		" per host); Terraform's `-parallelism` is " +
		parallelismText(r.Cases) + ". *req/op* is every HTTP request the hosts received per resource " +
		"operation; *warm-up* the part a provider process pays once per host (NTLM handshake legs, and " +
		"for the reused transport opening its shell and deleting it at exit); *steady* the rest, what an operation costs on an " +
		"authenticated connection with its shell open. *vs baseline* divides the wall time by the " +
		"fresh-shell case's; *vs ideal* divides it by the ideal bound (the same case at 0 ms + " +
		"ceil(hosts / parallelism) x 3 requests x latency). Wall time is the median of the samples.\n\n")
	b.WriteString("| op | hosts | latency | transport | samples | wall | req/op | warm-up | steady | commands/op | shells/op | shells left/host | vs baseline | ideal | vs ideal | peak RSS |\n")
	b.WriteString("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows() {
		c := row.Case
		vsBase, ideal, vsIdeal, rss := "-", "-", "-", "-"
		if row.VsBaseline > 0 && c.Mode != FreshShell {
			vsBase = fmt.Sprintf("%.2fx", row.VsBaseline)
		}
		if row.VsIdeal > 0 {
			ideal, vsIdeal = fmtDur(row.Ideal), fmt.Sprintf("%.2fx", row.VsIdeal)
		}
		if row.PeakRSS > 0 {
			rss = fmt.Sprintf("%.1f MiB", mib(row.PeakRSS))
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s |\n",
			c.Op, c.Hosts, fmtLatency(c.Latency), c.Mode, len(c.Samples), fmtDur(row.Wall), row.ReqPerOp,
			row.WarmupPerOp, row.SteadyPerOp, row.CommandsPerOp, row.ShellsPerOp, row.ShellsLeft, vsBase, ideal, vsIdeal, rss)
	}
	b.WriteString("\n")
	b.WriteString(r.Analysis())
	for _, n := range r.Notes {
		b.WriteString(n)
		b.WriteString("\n\n")
	}
	if r.GoBench != "" {
		b.WriteString("## Go benchmarks\n\n`go test -run '^$' -bench . -benchmem` of the parsers, the command planner " +
			"and the transport (the last against an in-process simulated host):\n\n```\n")
		b.WriteString(strings.TrimSpace(r.GoBench))
		b.WriteString("\n```\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func parallelismText(cases []*Case) string {
	seen := map[int]bool{}
	var ps []string
	for _, c := range cases {
		if !seen[c.Parallelism] {
			seen[c.Parallelism] = true
			ps = append(ps, fmt.Sprint(c.Parallelism))
		}
	}
	if len(ps) == 1 && ps[0] == "10" {
		return "10 (its default, passed explicitly)"
	}
	return strings.Join(ps, ", ")
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func fmtLatency(d time.Duration) string {
	if d == 0 {
		return "0ms"
	}
	return d.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	default:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
}

// criticalPath is the number of round trips a resource operation waits for
// in its parallelism slot: every request but the shell Deletes that the
// reused transport sends when the provider stops, all hosts at once.
func (c *Case) criticalPath() float64 {
	if c.ops() == 0 {
		return 0
	}
	t := c.total()
	n := t.HTTP
	if c.Mode == Reused {
		n -= t.Delete
	}
	return float64(n) / float64(c.ops())
}

// Model predicts a case's wall time from its 0 ms twin and its requests:
// every wave of operations waits for the critical path's round trips, and
// the reused transport's Deletes at exit add one latency.
func (r *Report) Model(c *Case) (time.Duration, bool) {
	z := r.find(c.Op, c.Hosts, 0, c.Mode)
	if z == nil || z.Wall() == 0 {
		return 0, false
	}
	d := z.Wall() + time.Duration(float64(Waves(c.Hosts, c.Parallelism))*c.criticalPath()*float64(c.Latency))
	if c.Mode == Reused && c.total().Delete > 0 {
		d += c.Latency
	}
	return d, true
}

// goBenchMetric finds a custom metric of a benchmark in `go test -bench`
// output, e.g. ("BenchmarkRunFreshShell/ntlm-sealed/5ms", "http-req/op").
func goBenchMetric(out, name, unit string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(?:-\d+)?\s+\d+\s+(.*)$`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	f := strings.Fields(m[1])
	for i := 1; i < len(f); i++ {
		if f[i] == unit {
			v, err := strconv.ParseFloat(f[i-1], 64)
			return v, err == nil
		}
	}
	return 0, false
}

// Analysis explains the figures: where the time of the 100-host refresh at
// 20 ms goes, what the baseline comparison does and does not show, and what
// masterzen/winrm's own client costs.
func (r *Report) Analysis() string {
	var b strings.Builder
	b.WriteString("## Analysis\n\n")
	wrote := false
	for _, row := range r.Rows() {
		c := row.Case
		if c.Op != OpRefresh || c.Mode != Reused || c.Latency == 0 || !slices.Contains(idealHosts(r.Cases), c.Hosts) || row.VsIdeal == 0 {
			continue
		}
		model, ok := r.Model(c)
		if !ok {
			continue
		}
		t := c.total()
		auth := float64(t.Auth) / float64(c.ops())
		crit := c.criticalPath()
		waves := Waves(c.Hosts, c.Parallelism)
		verdict := "within"
		if row.VsIdeal > 1.5 {
			verdict = "outside"
		}
		fmt.Fprintf(&b, "**%d-host refresh at %s**: %s, %.2fx its ideal bound of %s (%s the 1.5x target). "+
			"A refresh is one command, and on an open shell it costs the %d requests the bound assumes (*steady* %.2f). "+
			"But every CLI run starts a new provider process, which must first authenticate to each host "+
			"(%.0f NTLM handshake requests) and open a shell (1 Create) before that command, inside the same "+
			"parallelism slot; the Delete of the shell when the provider stops is sent to all hosts at once. "+
			"So each of the %d waves waits for %.0f round trips, not %d: the model "+
			"*0 ms time + waves x %.0f x latency + 1 latency* gives %s against %s measured.",
			c.Hosts, fmtLatency(c.Latency), fmtDur(row.Wall), row.VsIdeal, fmtDur(row.Ideal), verdict,
			MinRequestsPerCommand, row.SteadyPerOp, auth, waves, crit, MinRequestsPerCommand, crit, fmtDur(model), fmtDur(row.Wall))
		// measured ~ base + X and ideal = base + Y: the ratio stays within
		// 1.5 exactly when base >= 2X - 3Y.
		z := r.find(c.Op, c.Hosts, 0, c.Mode)
		x := model - z.Wall()
		y := row.Ideal - z.Wall()
		breakEven := 2*x - 3*y
		fmt.Fprintf(&b, " The ratio depends on the 0 ms time (%s here, all of it CPU on this machine, shared by "+
			"the CLI, the provider and the simulated hosts): the warm-up round trips add a fixed %s while the bound "+
			"allows %s, so by the model the ratio stays within 1.5x only when the 0 ms run takes at least %s. A "+
			"faster or quieter machine makes the ratio worse, not better; measured times can also fall below the "+
			"model, since CPU work overlaps the waits at 20 ms.",
			fmtDur(z.Wall()), fmtDur(x), fmtDur(y), fmtDur(breakEven))
		if auth >= 3 {
			better := crit - 2
			pred := z.Wall() + time.Duration(float64(waves)*better*float64(c.Latency)) + c.Latency
			fmt.Fprintf(&b, " Two round trips per host could go: the handshake opens with an anonymous request "+
				"that only learns the host wants Negotiate (sending the NTLM Negotiate token on the first request "+
				"saves it), and the Signal that releases a finished command could be sent after its output is "+
				"returned, off the critical path. With both, the model gives %s, %.2fx the ideal.",
				fmtDur(pred), float64(pred)/float64(row.Ideal))
		}
		b.WriteString("\n\n")
		wrote = true
	}

	if p, ok := r.baselineParagraph(); ok {
		b.WriteString(p)
		wrote = true
	}
	if fresh, ok := goBenchMetric(r.GoBench, "BenchmarkRunFreshShell/ntlm-sealed/5ms", "http-req/op"); ok {
		reused, _ := goBenchMetric(r.GoBench, "BenchmarkRunReusedShell/ntlm-sealed/5ms", "http-req/op")
		fns, _ := goBenchMetric(r.GoBench, "BenchmarkRunFreshShell/ntlm-sealed/5ms", "ns/op")
		rns, _ := goBenchMetric(r.GoBench, "BenchmarkRunReusedShell/ntlm-sealed/5ms", "ns/op")
		fmt.Fprintf(&b, "**masterzen/winrm's own client** (`RunCmdWithContext` with NTLM message encryption, "+
			"BenchmarkRunFreshShell below) authenticates again for every message: %.0f HTTP requests per command "+
			"against %.0f for this transport on an open shell, %.1f ms against %.1f ms per command at 5 ms latency.\n\n",
			fresh, reused, fns/1e6, rns/1e6)
		wrote = true
	}
	if m := r.memoryAnalysis(); m != "" {
		b.WriteString(m)
		wrote = true
	}
	if !wrote {
		return ""
	}
	return b.String()
}

// maxBaselineHosts is the largest host count measured with the fresh-shell
// baseline too.
func maxBaselineHosts(cases []*Case) int {
	m := 0
	for _, c := range cases {
		if c.Mode == FreshShell {
			m = max(m, c.Hosts)
		}
	}
	return m
}

// PeakRSSByHosts is the largest peak RSS of the provider's transport at each
// host count (one windows_ntp_config per host: mixed cases left out), by increasing host count; counts
// without a measured RSS are left out.
func (r *Report) PeakRSSByHosts() (hosts []int, peaks []int64) {
	byHosts := map[int]int64{}
	for _, c := range r.Cases {
		if c.Mode == Reused && c.PeakRSS() > 0 && !c.Op.Mixed() {
			byHosts[c.Hosts] = max(byHosts[c.Hosts], c.PeakRSS())
		}
	}
	for n := range byHosts {
		hosts = append(hosts, n)
	}
	slices.Sort(hosts)
	for _, n := range hosts {
		peaks = append(peaks, byHosts[n])
	}
	return hosts, peaks
}

// memoryAnalysis lists the peak RSS by host count and what one more host
// costs between the two largest counts.
func (r *Report) memoryAnalysis() string {
	hosts, peaks := r.PeakRSSByHosts()
	if len(hosts) < 2 {
		return ""
	}
	parts := make([]string, len(hosts))
	for i, n := range hosts {
		parts[i] = fmt.Sprintf("%.1f MiB at %d", mib(peaks[i]), n)
	}
	i, j := len(hosts)-2, len(hosts)-1
	slope := float64(peaks[j]-peaks[i]) / float64(hosts[j]-hosts[i]) / 1024
	return fmt.Sprintf("**Memory**: the provider's peak resident set, the largest of each host count's cases "+
		"(provider's transport, one `windows_ntp_config` per host), was %s hosts: %.0f KiB more per host between %d and %d hosts.\n\n",
		strings.Join(parts, ", "), slope, hosts[i], hosts[j])
}

// baselineParagraph compares the two transports at the largest host count
// and latency measured with both.
func (r *Report) baselineParagraph() (string, bool) {
	n := maxBaselineHosts(r.Cases)
	var lat time.Duration
	for _, c := range r.Cases {
		if c.Hosts == n && c.Mode == FreshShell {
			lat = max(lat, c.Latency)
		}
	}
	pair := func(op Op) (reused, fresh *Case) {
		return r.find(op, n, lat, Reused), r.find(op, n, lat, FreshShell)
	}
	rr, rf := pair(OpRefresh)
	ar, af := pair(OpApply)
	cr, cf := pair(OpCreate)
	for _, c := range []*Case{rr, rf, ar, af, cr, cf} {
		if c == nil || c.Wall() == 0 {
			return "", false
		}
	}
	ratio := func(a, b *Case) float64 { return float64(a.Wall()) / float64(b.Wall()) }
	return fmt.Sprintf("**Against the fresh-shell baseline** (%d hosts, %s): a refresh and an update run one command "+
		"per host per provider process, so the shell kept open saves nothing there: %.2f and %.2f requests per "+
		"operation against the baseline's %.2f and %.2f (%.2fx and %.2fx its time). It pays off from the second "+
		"command on a host in one process: a create runs two, %.2f requests against %.2f (%.2fx its time), and so "+
		"would several resources on one host. Both keep an authenticated NTLM connection per host while it works; "+
		"that is where the big saving is, as the next paragraph shows.\n\n",
		n, fmtLatency(lat), rr.RequestsPerOp(), ar.RequestsPerOp(), rf.RequestsPerOp(), af.RequestsPerOp(),
		ratio(rr, rf), ratio(ar, af), cr.RequestsPerOp(), cf.RequestsPerOp(), ratio(cr, cf)), true
}
