package provider

// Helpers of the acceptance tests that read their expectations from the host
// itself, through the target's transport, so that they hold on a simulated
// host and on a real one alike.

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// onEachHost runs f once against a simulated host with opts, or in real-host
// mode once per real host (a subtest each, as eachHost names them): for a
// test whose expectations on a real host come from the host, so that any
// version, locale and role will do.
func onEachHost(t *testing.T, opts winsim.Options, f func(t *testing.T, opts winsim.Options)) {
	t.Helper()
	if realHost() {
		eachHost(t, nil, nil, f)
		return
	}
	f(t, opts)
}

// hostState reads the host's W32Time settings, service state and start type
// through the transport, as the provider does.
func hostState(t *testing.T, tg *target) wintime.State {
	t.Helper()
	st, err := wintime.ParseState(tg.run(t, wintime.ReadCommand()).Stdout)
	if err != nil {
		t.Fatalf("reading the W32Time state of %s: %v", tg.host, err)
	}
	return st
}

// hostFacts reads the host's facts (version, names, role, time zone)
// through the transport.
func hostFacts(t *testing.T, tg *target) wintime.Facts {
	t.Helper()
	f, err := wintime.ParseFacts(tg.run(t, wintime.FactsCommand()).Stdout)
	if err != nil {
		t.Fatalf("reading the facts of %s: %v", tg.host, err)
	}
	return f
}

// hostZone reads the host's time zone through the transport.
func hostZone(t *testing.T, tg *target, v wintime.Version) wintime.TimeZone {
	t.Helper()
	z, err := wintime.ParseTimeZone(tg.run(t, wintime.TimeZoneReadCommand(v)).Stdout)
	if err != nil {
		t.Fatalf("reading the time zone of %s: %v", tg.host, err)
	}
	return z
}

// parseDWord reads a REG_DWORD as tg.query returns it (0x hexadecimal).
func parseDWord(v wintime.RegValue) (uint32, bool) {
	if v.Type != "REG_DWORD" {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v.Data)), "0x"), 16, 32)
	return uint32(n), err == nil
}

// checkDWord asserts a REG_DWORD value on the host, read through tg.query.
func checkDWord(t *testing.T, tg *target, key, name string, want uint32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		v, ok := tg.query(t, key, name)
		n, isDWord := parseDWord(v)
		if !ok || !isDWord || n != want {
			return fmt.Errorf("%s\\%s = %s %q (present: %v), want REG_DWORD %d", key, name, v.Type, v.Data, ok, want)
		}
		return nil
	}
}

// checkStartup asserts the W32Time start type the host reports (sc qc),
// read through the transport.
func checkStartup(t *testing.T, tg *target, want wintime.StartType) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := hostState(t, tg).Local.Startup; got != want {
			return fmt.Errorf("W32Time on %s starts %q, want %q", tg.host, got, want)
		}
		return nil
	}
}

// unchangedSince reads the host's W32Time state now and returns a check that
// it is the same later: a refused or plan-only run wrote nothing.
func unchangedSince(t *testing.T, tg *target) func() error {
	t.Helper()
	before := hostState(t, tg)
	return func() error {
		if after := hostState(t, tg); !reflect.DeepEqual(after, before) {
			return fmt.Errorf("the W32Time state of %s changed:\nbefore %+v\nafter  %+v", tg.host, before, after)
		}
		return nil
	}
}
