package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// wrap runs the provider at target as a child with this process's arguments
// and standard streams, so that the CLI's plugin handshake reaches it as if
// the CLI had started it, and writes the child's peak resident set in bytes
// to a file in rssDir. It returns the child's exit code.
func wrap(target, rssDir string) int {
	// Pdeathsig is tied to the thread that started the child: keep it alive,
	// so that the provider dies with this wrapper if the CLI kills it.
	runtime.LockOSThread()
	// The provider built by bench.sh, with the CLI's own arguments. No
	// context: the child ends when the CLI stops it, or with this process.
	cmd := exec.CommandContext(context.Background(), target, os.Args[1:]...) //nolint:gosec // G204: see above
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, wrapEnv+"=") && !strings.HasPrefix(kv, rssDirEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun wrapper:", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	// The CLI kills a provider that takes too long to exit, and this wrapper
	// with it, before it could read ru_maxrss: keep the child's peak so far
	// (VmHWM) in the file meanwhile.
	stop := make(chan struct{})
	go watchPeak(cmd.Process.Pid, rssDir, stop)
	err := cmd.Wait()
	close(stop)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		if code < 0 {
			code = 1
		}
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun wrapper:", err)
		code = 1
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && rssDir != "" {
		// Linux reports ru_maxrss in KiB.
		writeRSS(filepath.Join(rssDir, strconv.Itoa(cmd.ProcessState.Pid())), ru.Maxrss*1024)
	}
	return code
}

// watchPeak writes the process's peak resident set (VmHWM of
// /proc/PID/status) to rssDir every 100 ms until stop is closed.
func watchPeak(pid int, rssDir string, stop <-chan struct{}) {
	if rssDir == "" {
		return
	}
	name := filepath.Join(rssDir, strconv.Itoa(pid))
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if kib, ok := vmHWM(pid); ok {
			writeRSS(name, kib*1024)
		}
	}
}

// vmHWM reads the VmHWM line of /proc/PID/status, in KiB.
func vmHWM(pid int) (int64, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// writeRSS replaces the file name with n, atomically: the CLI may kill this
// wrapper in the middle of a write.
func writeRSS(name string, n int64) {
	tmp := name + ".tmp"
	if os.WriteFile(tmp, []byte(strconv.FormatInt(n, 10)+"\n"), 0o600) == nil { //nolint:gosec // G703: a directory benchrun made, a numeric name
		_ = os.Rename(tmp, name) //nolint:gosec // G703: see above
	}
}
