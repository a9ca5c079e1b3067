//go:build benchbaseline

package transport

// UseFreshShellPerCommand makes every Client made afterwards open a shell for
// each command and delete it once the command is done, the naive transport
// the benchmarks compare the provider with. Call it from an init function,
// before any Client exists. It exists only in builds with the benchbaseline
// tag: the benchmarks' baseline provider binary, never the one users run.
func UseFreshShellPerCommand() { freshShellEverywhere = true }
