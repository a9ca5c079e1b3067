//go:build !linux

package main

import (
	"fmt"
	"os"
)

// wrap needs Linux (Pdeathsig, ru_maxrss in KiB); elsewhere the benchmark
// cannot measure the provider's memory.
func wrap(target, rssDir string) int {
	fmt.Fprintln(os.Stderr, "benchrun: the provider wrapper runs on Linux only")
	return 1
}
