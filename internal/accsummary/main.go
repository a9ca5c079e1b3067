// Command accsummary reads `go test -json` output on standard input and
// prints how many acceptance tests ran, passed, failed and were skipped,
// with the reason of each skip, and the output of each failed test.
//
// usage: go test -json ... | go run ./internal/accsummary [-prefix TestAcc] [-min-run 0.8]
//
// A test counts when it is a leaf (a test without subtests) whose top-level
// name starts with -prefix. With -min-run, it exits 1 when fewer than that
// fraction of the counted tests ran (passed or failed) rather than skipped;
// it also exits 1 when a counted test failed, or when the input holds no
// counted test at all.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	prefix := flag.String("prefix", "TestAcc", "count the tests whose top-level name starts with `prefix`")
	minRun := flag.Float64("min-run", 0, "fail when less than this `fraction` of the counted tests ran")
	flag.Parse()
	s, err := summarize(os.Stdin, *prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "accsummary:", err)
		os.Exit(2)
	}
	if !s.report(os.Stdout, *minRun) {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (test2json) output.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// test is what the events tell of one test.
type test struct {
	name    string
	result  string // pass, fail, skip; "" when it never ended
	output  []string
	hasSubs bool
}

// summary is the counted tests, in the order they started.
type summary struct {
	tests []*test
	other []string // output outside any test (TestMain's), in order
}

// summarize reads test2json events.
func summarize(r io.Reader, prefix string) (*summary, error) {
	byName := map[string]*test{}
	var s summary
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue // a build error or other output not from test2json
		}
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("reading %q: %w", line, err)
		}
		if e.Test == "" {
			if e.Action == "output" {
				s.other = append(s.other, e.Output)
			}
			continue
		}
		if !strings.HasPrefix(e.Test, prefix) {
			continue
		}
		key := e.Package + " " + e.Test
		tt := byName[key]
		if tt == nil {
			tt = &test{name: e.Test}
			byName[key] = tt
			s.tests = append(s.tests, tt)
			// The parent is the longest prefix at a '/' that is a test: a
			// subtest's own name may hold '/' too.
			for i := strings.LastIndexByte(e.Test, '/'); i > 0; i = strings.LastIndexByte(e.Test[:i], '/') {
				if parent := byName[e.Package+" "+e.Test[:i]]; parent != nil {
					parent.hasSubs = true
					break
				}
			}
		}
		switch e.Action {
		case "output":
			tt.output = append(tt.output, e.Output)
		case "pass", "fail", "skip":
			tt.result = e.Action
		}
	}
	return &s, sc.Err()
}

// skipReason is the message of a skipped test: the output line before its
// "--- SKIP" line, without the file:line prefix.
func (t *test) skipReason() string {
	reason := ""
	for _, o := range t.output {
		o = strings.TrimSpace(o)
		if o == "" || strings.HasPrefix(o, "--- ") || strings.HasPrefix(o, "=== ") {
			continue
		}
		reason = o
	}
	// Drop the "file_test.go:12: " that t.Skip's line starts with.
	if loc, msg, ok := strings.Cut(reason, ": "); ok && strings.Contains(loc, ".go:") {
		reason = msg
	}
	return reason
}

// report prints the counts, the skips grouped by reason and the failures'
// output; it returns false when the run does not meet minRun, a test
// failed, or there was no test.
func (s *summary) report(w io.Writer, minRun float64) bool {
	var leaves []*test
	counts := map[string]int{}
	for _, t := range s.tests {
		if t.hasSubs {
			continue
		}
		leaves = append(leaves, t)
		counts[t.result]++
	}
	ran := counts["pass"] + counts["fail"]
	fmt.Fprintf(w, "\n== acceptance tests: %d counted, %d ran (%d passed, %d failed), %d skipped",
		len(leaves), ran, counts["pass"], counts["fail"], counts["skip"])
	if n := counts[""]; n > 0 {
		fmt.Fprintf(w, ", %d never ended", n)
	}
	ratio := 0.0
	if len(leaves) > 0 {
		ratio = float64(ran) / float64(len(leaves))
	}
	fmt.Fprintf(w, "; %.0f%% ran\n", 100*ratio)

	reasons := map[string][]string{}
	for _, t := range leaves {
		if t.result == "skip" {
			r := t.skipReason()
			reasons[r] = append(reasons[r], t.name)
		}
	}
	keys := make([]string, 0, len(reasons))
	for r := range reasons {
		keys = append(keys, r)
	}
	slices.SortFunc(keys, func(a, b string) int { return len(reasons[b]) - len(reasons[a]) })
	for _, r := range keys {
		fmt.Fprintf(w, "skipped %d: %s\n", len(reasons[r]), r)
		for _, n := range reasons[r] {
			fmt.Fprintf(w, "    %s\n", n)
		}
	}
	for _, o := range s.other {
		if strings.HasPrefix(o, "real-host mode:") {
			fmt.Fprint(w, o)
		}
	}
	ok := true
	for _, t := range leaves {
		if t.result == "fail" || t.result == "" {
			ok = false
			fmt.Fprintf(w, "\n--- %s (%s):\n%s", t.name, map[string]string{"fail": "failed", "": "never ended"}[t.result], strings.Join(t.output, ""))
		}
	}
	switch {
	case len(leaves) == 0:
		fmt.Fprintln(w, "no acceptance test was counted")
		ok = false
	case ratio < minRun:
		fmt.Fprintf(w, "%.0f%% of the acceptance tests ran, fewer than the %.0f%% wanted\n", 100*ratio, 100*minRun)
		ok = false
	}
	return ok
}
