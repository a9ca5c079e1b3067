//go:build memprofile

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// A provider built with -tags memprofile shows where its memory goes, for
// the work on the benchmarks' peak resident set (docs/benchmarks.md). With
// MEMPROFILE_DIR set (the benchmark driver passes its environment on to the
// provider), every 200 ms it appends the Go runtime's figures and the
// process's resident set to MEMPROFILE_DIR/mem-PID.txt, and when the heap in
// use reaches a new high it writes a heap profile of that moment to
// heap-PID.pprof (`go tool pprof -sample_index=inuse_space`) and its
// goroutines to goroutine-PID.txt. With MEMPROFILE_GC set too, it collects
// every 2 s and writes a profile of the live heap to live-PID-N.pprof each
// time (compare two with -diff_base). For example:
//
//	w=$(mktemp -d) && go build -tags memprofile -o "$w/p" . && go build -o "$w/b" ./internal/bench/cmd/benchrun
//	MEMPROFILE_DIR=$w "$w/b" -cli "$(command -v terraform)" -provider "$w/p" -baseline-provider "$w/p" \
//	    -out "" -hosts 300 -baseline-max 1 -mixed-hosts "" -latencies 0
//
// The binary users run has neither the switch nor the code.
func init() {
	dir := os.Getenv("MEMPROFILE_DIR")
	if dir == "" {
		return
	}
	// One sample per 4 KiB allocated rather than 512 KiB: per-host objects
	// are small, and the default rate leaves them to chance.
	runtime.MemProfileRate = 4096
	go watchMemory(dir)
}

// watchMemory writes the figures and profiles to dir until the process exits.
func watchMemory(dir string) {
	pid := strconv.Itoa(os.Getpid())
	log, err := os.Create(filepath.Join(dir, "mem-"+pid+".txt")) //nolint:gosec // G703: the directory the developer named
	if err != nil {
		return
	}
	start := time.Now()
	var peak uint64
	for i := 1; ; i++ {
		time.Sleep(200 * time.Millisecond)
		if os.Getenv("MEMPROFILE_GC") != "" && i%10 == 0 {
			// What is reachable, without the garbage the pacer lets pile up.
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Fprintf(log, "t=%.1fs after GC: heapalloc=%dKiB goroutines=%d\n", time.Since(start).Seconds(), m.HeapAlloc>>10, runtime.NumGoroutine())
			writeProfile("heap", filepath.Join(dir, fmt.Sprintf("live-%s-%03d.pprof", pid, i/10)), 0)
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(log, "t=%.1fs rss=%dKiB heapinuse=%dKiB heapsys=%dKiB heapreleased=%dKiB stackinuse=%dKiB sys=%dKiB goroutines=%d gc=%d nextgc=%dKiB\n",
			time.Since(start).Seconds(), rssKiB(), m.HeapInuse>>10, m.HeapSys>>10, m.HeapReleased>>10,
			m.StackInuse>>10, m.Sys>>10, runtime.NumGoroutine(), m.NumGC, m.NextGC>>10)
		if m.HeapInuse > peak+peak/20 {
			peak = m.HeapInuse
			writeProfile("heap", filepath.Join(dir, "heap-"+pid+".pprof"), 0)
			writeProfile("goroutine", filepath.Join(dir, "goroutine-"+pid+".txt"), 1)
		}
	}
}

// writeProfile writes the named runtime/pprof profile to the file name.
func writeProfile(profile, name string, debug int) {
	f, err := os.Create(name) //nolint:gosec // G703: in the directory the developer named
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup(profile).WriteTo(f, debug)
}

// rssKiB is VmRSS of /proc/self/status.
func rssKiB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}
