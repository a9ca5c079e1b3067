package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// hostReads holds, for one configuration of the provider (one plugin
// process of the CLI), the last read of each host (wintime.HostRead, from one
// command line): every resource and data source that reads a host takes it
// from here, so that a plan costs one command per host however many of them
// target it. Readers that arrive while the read is in flight wait for it.
//
// A read stays good only while nothing else has run on the host: the
// transport counts the commands it ran on the host's connections, whatever
// their credentials (Client.Runs), and a read is done again when any command
// other than itself returned since it started. Every command the provider runs besides this read is a write
// (an apply, a reset, a time zone change), so a read after a write, in the
// same process, sees it; and a write never needs to say so here.
type hostReads struct {
	mu      sync.Mutex
	entries map[string]*hostRead // by hostKey
}

// hostRead is one read of a host, or the read in flight (done not closed).
type hostRead struct {
	done chan struct{}
	read wintime.HostRead
	err  error
	// runs is the connection's Client.Runs after the read, counting only
	// the read itself since it started.
	runs uint64
}

func newHostReads() *hostReads { return &hostReads{entries: map[string]*hostRead{}} }

// fresh reports whether e still says what the host holds: it succeeded and
// no other command has returned on c's connection since it started.
func (e *hostRead) fresh(c *transport.Client) bool { return e.err == nil && c.Runs() == e.runs }

// get returns the read of the host key, whose client is c: the one kept, if
// still fresh, the one in flight, once it is done, or a new one. A read in
// flight that fails fails its waiters too (a host down costs one timeout, not
// one per reader), and is not kept.
func (h *hostReads) get(ctx context.Context, key string, c *transport.Client) (wintime.HostRead, error) {
	if h == nil { // a providerData made by hand, in tests
		return readHost(ctx, c)
	}
	for {
		h.mu.Lock()
		e := h.entries[key]
		if e == nil {
			break // h.mu still held
		}
		select {
		case <-e.done:
			if e.fresh(c) {
				h.mu.Unlock()
				return e.read, nil
			}
			delete(h.entries, key)
			h.mu.Unlock()
			continue
		default:
		}
		h.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return wintime.HostRead{}, ctx.Err()
		}
		if e.err != nil {
			return e.read, e.err
		}
		if e.fresh(c) {
			return e.read, nil
		}
	}
	e := &hostRead{done: make(chan struct{})}
	h.entries[key] = e
	h.mu.Unlock()

	start := c.Runs()
	e.read, e.err = readHost(ctx, c)
	e.runs = start + 1
	if e.err != nil {
		h.mu.Lock()
		if h.entries[key] == e {
			delete(h.entries, key)
		}
		h.mu.Unlock()
	}
	close(e.done)
	return e.read, e.err
}

// readHost runs wintime.HostReadCommand on a host and parses its output. The
// host's OEM code page, which the read holds, is handed to the transport for
// the output of programs that ignore the shell's UTF-8 (see
// transport.Client.SetCodePage); this read's own output, if it was in
// another code page than the one guessed, is decoded again with it.
func readHost(ctx context.Context, c *transport.Client) (wintime.HostRead, error) {
	res, err := c.Run(ctx, wintime.HostReadCommand())
	if err != nil {
		return wintime.HostRead{}, err
	}
	r, err := wintime.ParseHostRead(res.Stdout)
	if cp := r.Facts.OEMCodePage; err == nil && cp != 0 && cp != c.CodePage() {
		if c.SetCodePage(cp) == nil && res.CodePage != transport.UTF8CodePage && res.CodePage != cp {
			res = res.Redecode(cp)
			r, err = wintime.ParseHostRead(res.Stdout)
		}
	}
	if err != nil {
		return r, fmt.Errorf("the output of ver, reg query, sc and w32tm could not be understood (%w); the host said: %s", err, hostMessage(res))
	}
	return r, nil
}
