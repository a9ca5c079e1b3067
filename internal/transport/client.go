// Package transport runs cmd.exe command lines on Windows hosts over WinRM
// and returns their stdout, stderr and exit code.
//
// It builds and parses the WS-Management messages with
// github.com/masterzen/winrm but runs its own command loop: shells are kept
// open and reused (a command then costs three HTTP requests: Command, Receive,
// Signal, and Run waits for the first two only: the Signal that releases a
// finished command is sent in the background), SOAP faults are detected
// whatever the HTTP status, every command runs under a deadline, and transient
// failures are retried with backoff.
// Authentication is NTLM or Kerberos (sealed messages over HTTP, plain
// inside TLS over HTTPS), "negotiate" (Kerberos when a ticket can be had,
// NTLM otherwise) or Basic (HTTPS, or HTTP when explicitly allowed).
//
// What is guaranteed:
//   - On a sealed session (NTLM or Kerberos over HTTP) every answer that carries WinRM
//     content is sealed with the session's keys and verified (signature and
//     sequence number); any other answer fails the request with an
//     *IntegrityError (ErrUnprotected) and is not retried. Bare error
//     statuses are taken only as failures to retry (see openSealed).
//   - A logon refused by a host or a KDC (a wrong password, an unknown or
//     locked account) is not attempted again with the same credentials by the same
//     Pool (or Client from New), on any host; until a logon with them has
//     succeeded, one attempt at a time is made (see credGate).
//   - Shells are opened with a short IdleTimeOut (shellIdleTimeout), and
//     their Deletes are retried within Close's budget; one that could not
//     be deleted is logged and ends on the host by that timeout.
package transport

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Result is the outcome of one command.
type Result struct {
	Stdout, Stderr string // decoded to UTF-8
	ExitCode       int
	Duration       time.Duration
	// CodePage is the code page the output was decoded from: UTF8CodePage,
	// or the OEM code page of a program that ignored the shell's (see
	// Client.SetCodePage).
	CodePage int
	// raw is the output as received, kept only when it was not UTF-8, for
	// Redecode.
	raw *rawOutput
}

// Client runs commands on one WinRM endpoint. It is safe for concurrent use.
type Client struct {
	core       *core
	timeout    time.Duration
	maxRetries int
	log        func(ctx context.Context, msg string, fields map[string]any)
	pooled     bool
}

// core is the connection state shared by the Clients of one Pool key.
type core struct {
	n         *normalized
	wire      wire
	ownGate   *credGate // a Client from New's gate, closed with it
	shells    *shellPool
	closeOnce sync.Once

	// codePage is the host's OEM code page as the caller told it
	// (SetCodePage), 0 while unknown. runs counts the Runs that returned on
	// every connection of the Pool to the same endpoint, whatever their
	// credentials: a write with one account changes what another read.
	codePage atomic.Int32
	runs     *atomic.Uint64

	// signals tracks the background Signals of finished commands (see
	// signalLater); close waits for them. bgCancel ends them when close's
	// time is up. closing, under mu, stops new ones once close has begun.
	mu       sync.Mutex
	closing  bool
	signals  sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

// closeBudget bounds Close: the Deletes of idle shells (each retried after
// transient failures, as any request) and the wait for background Signals,
// which are abandoned when it runs out (a shell whose Signal ends during
// Close is deleted too, within the same budget). Terraform gives a provider
// about two seconds to exit once it has asked it to stop, then kills it; a
// shell not deleted by then ends by its shellIdleTimeout. Tests lower it.
var closeBudget = 2 * time.Second

// New validates cfg and returns a Client. It does not touch the network.
func New(cfg Config) (*Client, error) {
	n, err := normalize(cfg)
	if err != nil {
		return nil, err
	}
	// A Client of its own has a credential gate of its own.
	gate := newCredGate()
	c := newCore(n, gate, new(atomic.Uint64))
	c.ownGate = gate
	return newClient(c, n, false), nil
}

func newCore(n *normalized, gate *credGate, runs *atomic.Uint64) *core {
	c := &core{n: n, wire: newWire(n, gate), shells: newShellPool(), runs: runs}
	c.bgCtx, c.bgCancel = context.WithCancel(context.Background())
	return c
}

func newClient(c *core, n *normalized, pooled bool) *Client {
	return &Client{core: c, timeout: n.Timeout, maxRetries: n.MaxRetries, log: n.Log, pooled: pooled}
}

// Endpoint returns the WS-Management URL, e.g. "https://10.0.0.5:5986/wsman".
func (c *Client) Endpoint() string { return c.core.n.url }

// Close waits for the Signals still releasing finished commands, deletes the
// client's open shells (best effort, within a few seconds) and closes its
// connections. No goroutine of the Client outlives Close. A Client obtained
// from a Pool is closed by Pool.Close; its own Close does nothing.
func (c *Client) Close() error {
	if c.pooled {
		return nil
	}
	c.core.close(c.log)
	return nil
}

func (c *core) close(log func(context.Context, string, map[string]any)) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closing = true // no signalLater from now on: c.signals.Wait is safe
		c.mu.Unlock()
		defer c.bgCancel()
		// Shells still pending find the pool closed when their Signal ends,
		// and delete themselves.
		idle := c.shells.close()
		ctx, cancel := context.WithTimeout(context.Background(), closeBudget)
		defer cancel()
		hard := time.Now().Add(closeBudget)
		var wg sync.WaitGroup
		for _, sh := range idle {
			wg.Go(func() {
				r := &run{c: c, maxRetries: c.n.MaxRetries, log: log, hard: hard}
				_ = r.deleteShell(ctx, sh.id)
			})
		}
		stop := context.AfterFunc(ctx, c.bgCancel) // a Signal past the budget is abandoned
		c.signals.Wait()
		stop()
		wg.Wait()
		c.wire.close()
		if c.ownGate != nil {
			c.ownGate.closeKerberos()
		}
	})
}

// Run runs cmdline through cmd.exe on the host and returns its output and
// exit code. A non-zero exit code is not an error.
//
// Run returns as soon as the host reports the command done: the Signal that
// releases the finished command on the host is sent in the background, and
// its shell is reused only after that Signal has completed (or deleted when it
// failed). Close waits for these Signals.
//
// The command runs under a deadline: Config.Timeout, or ctx's deadline when
// sooner. When it passes, the remote command is terminated (best effort,
// within the last tenth of the timeout, at most 2s) and a *TimeoutError is
// returned.
//
// Transient failures (connection refused or reset, 5xx, WinRM internal-error
// faults, a lost request), in every phase, the NTLM logon included, are
// retried with backoff, each request up to Config.MaxRetries times; an
// authentication failure is never retried, nor an unprotected answer.
// Retrying means a command line may run more than once: when the connection
// drops after the Command request was sent, or while its output was being
// read, there is no way to know whether it ran, and it is sent again. Callers
// must therefore pass idempotent command lines (the provider's reads and
// configuration writes are).
func (c *Client) Run(ctx context.Context, cmdline string) (Result, error) {
	start := time.Now()
	if err := checkCommandLine(cmdline); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	deadline := start.Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	// The work stops short of the deadline, leaving time to terminate the
	// remote command (see cleanupCtx).
	reserve := min(maxCleanup, deadline.Sub(start)/10)
	work, cancel := context.WithDeadline(ctx, deadline.Add(-reserve))
	defer cancel()

	r := &run{c: c.core, cmdline: cmdline, maxRetries: c.maxRetries, log: c.log, hard: deadline}
	defer c.core.runs.Add(1)
	res, err := r.do(work)
	res.Duration = time.Since(start)
	if err != nil && errors.Is(work.Err(), context.DeadlineExceeded) && !errors.Is(ctx.Err(), context.Canceled) {
		err = r.timeoutError(res.Duration, c.timeout)
	}
	r.logOutcome(ctx, res, err)
	return res, err
}

// SetCodePage tells the Client the host's OEM code page, in which programs
// that ignore the shell's UTF-8 code page write (Server 2003's, and some
// tools of every version on a localized host): output that is not valid
// UTF-8 is decoded from it from then on, by every Client sharing this one's
// connection (the Pool's, for one endpoint and credentials). Until then CP932
// and CP437 are tried. The transport does not find the code page itself: it
// knows no command that reads it.
func (c *Client) SetCodePage(cp int) error {
	if _, ok := oemCodePages[cp]; !ok {
		return &UnsupportedCodePageError{CodePage: cp}
	}
	c.core.codePage.Store(int32(cp))
	return nil
}

// CodePage returns the OEM code page set by SetCodePage, or 0.
func (c *Client) CodePage() int { return int(c.core.codePage.Load()) }

// Runs returns how many Runs have returned, successfully or not, on the
// connection this Client shares and, for a Client of a Pool, on every other
// connection of the Pool to the same endpoint (other credentials). A caller
// that keeps what a command read can compare it with the count after that
// command: any other Run since, on any of those connections, may have
// changed the host.
func (c *Client) Runs() uint64 { return c.core.runs.Load() }

// result decodes a finished command's output.
func (c *core) result(stdout, stderr []byte, code int) Result {
	res := Result{ExitCode: code}
	oem := int(c.codePage.Load())
	res.Stdout, res.CodePage = decodeOutput(stdout, oem)
	var errCP int
	res.Stderr, errCP = decodeOutput(stderr, oem)
	if res.CodePage != UTF8CodePage || errCP != UTF8CodePage {
		if res.CodePage == UTF8CodePage {
			res.CodePage = errCP
		}
		res.raw = &rawOutput{stdout: stdout, stderr: stderr}
	}
	return res
}

// timeoutError reports a Run whose deadline passed after d. For a command
// that never started it names the request left unanswered on an accepted
// connection, if any: a host that accepts connections and never answers is
// not a slow command.
func (r *run) timeoutError(d, timeout time.Duration) *TimeoutError {
	n := r.c.n
	te := &TimeoutError{Host: n.host, After: d, Timeout: timeout, Port: n.Port, NotStarted: !r.started}
	if op, waited, ok := r.unanswered(); ok && !r.started {
		te.Unanswered, te.Waited = op, waited
	}
	return te
}

// logOutcome logs the Run's command with its outcome and what it cost
// (duration, requests, retries).
func (r *run) logOutcome(ctx context.Context, res Result, err error) {
	n := r.c.n
	fields := map[string]any{
		"endpoint": n.url, "user": n.Username, "auth": n.Auth, "command": r.cmdline,
		"duration_ms": res.Duration.Milliseconds(), "requests": r.requests, "retries": r.retries,
	}
	if err != nil {
		fields["error"] = err.Error()
		r.logf(ctx, "winrm command failed", fields)
		return
	}
	fields["exit_code"] = res.ExitCode
	r.logf(ctx, "winrm command", fields)
}
