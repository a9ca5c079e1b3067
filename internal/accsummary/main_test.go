package main

import (
	"strings"
	"testing"
)

// run is a test2json stream: a parent with a passed and a skipped subtest, a
// skipped top-level test, a failed one, a test outside the prefix, and
// TestMain's output.
const run = `{"Action":"output","Package":"p","Output":"real-host mode: h1: restored, and read back as saved\n"}
{"Action":"run","Package":"p","Test":"TestAccA"}
{"Action":"run","Package":"p","Test":"TestAccA/2003"}
{"Action":"pass","Package":"p","Test":"TestAccA/2003"}
{"Action":"run","Package":"p","Test":"TestAccA/2022"}
{"Action":"output","Package":"p","Test":"TestAccA/2022","Output":"    x_test.go:12: real host: needs the simulator: faults\n"}
{"Action":"output","Package":"p","Test":"TestAccA/2022","Output":"--- SKIP: TestAccA/2022 (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestAccA/2022"}
{"Action":"pass","Package":"p","Test":"TestAccA"}
{"Action":"run","Package":"p","Test":"TestAccB"}
{"Action":"output","Package":"p","Test":"TestAccB","Output":"    y_test.go:3: real host: needs the simulator: faults\n"}
{"Action":"skip","Package":"p","Test":"TestAccB"}
{"Action":"run","Package":"p","Test":"TestAccC"}
{"Action":"output","Package":"p","Test":"TestAccC","Output":"    z_test.go:9: boom\n"}
{"Action":"fail","Package":"p","Test":"TestAccC"}
{"Action":"run","Package":"p","Test":"TestUnit"}
{"Action":"pass","Package":"p","Test":"TestUnit"}
`

func TestReport(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		minRun float64
		ok     bool
		want   []string
	}{
		{"failure fails", run, 0, false, []string{
			"4 counted, 2 ran (1 passed, 1 failed), 2 skipped; 50% ran",
			"skipped 2: real host: needs the simulator: faults\n    TestAccA/2022\n    TestAccB\n",
			"real-host mode: h1: restored, and read back as saved",
			"--- TestAccC (failed):\n    z_test.go:9: boom",
		}},
		{"a subtest whose name holds a slash", `{"Action":"run","Package":"p","Test":"TestAccN"}
{"Action":"run","Package":"p","Test":"TestAccN/a/b"}
{"Action":"pass","Package":"p","Test":"TestAccN/a/b"}
{"Action":"pass","Package":"p","Test":"TestAccN"}
`, 0, true, []string{"1 counted, 1 ran (1 passed, 0 failed), 0 skipped; 100% ran"}},
		{"no tests", `{"Action":"pass","Package":"p"}` + "\n", 0, false, []string{"no acceptance test was counted"}},
		{"enough ran", strings.Replace(run, `"fail","Package":"p","Test":"TestAccC"`, `"pass","Package":"p","Test":"TestAccC"`, 1), 0.5, true, []string{
			"4 counted, 2 ran (2 passed, 0 failed), 2 skipped; 50% ran",
		}},
		{"too few ran", strings.Replace(run, `"fail","Package":"p","Test":"TestAccC"`, `"pass","Package":"p","Test":"TestAccC"`, 1), 0.8, false, []string{
			"50% of the acceptance tests ran, fewer than the 80% wanted",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := summarize(strings.NewReader(tt.in), "TestAcc")
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if ok := s.report(&b, tt.minRun); ok != tt.ok {
				t.Errorf("report = %v, want %v", ok, tt.ok)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
