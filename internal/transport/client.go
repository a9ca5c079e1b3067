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
// Authentication is NTLM (sealed messages over HTTP, plain inside TLS over
// HTTPS) or Basic (HTTPS, or HTTP when explicitly allowed).
//
// What is guaranteed:
//   - On a sealed session (NTLM over HTTP) every answer that carries WinRM
//     content is sealed with the session's keys and verified (signature and
//     sequence number); any other answer fails the request with an
//     *IntegrityError (ErrUnprotected) and is not retried. Bare error
//     statuses are taken only as failures to retry (see ntlmSession.open).
//   - A logon refused by a host (a wrong password, an unknown or locked
//     account) is not attempted again with the same credentials by the same
//     Pool (or Client from New), on any host; until a logon with them has
//     succeeded, one attempt at a time is made (see credGate).
//   - Shells are opened with a short IdleTimeOut (shellIdleTimeout), and
//     their Deletes are retried within Close's budget; one that could not
//     be deleted is logged and ends on the host by that timeout.
package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masterzen/winrm"
)

// Result is the outcome of one command.
type Result struct {
	Stdout, Stderr string // decoded to UTF-8
	ExitCode       int
	Duration       time.Duration
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
	shells    *shellPool
	closeOnce sync.Once

	// signals tracks the background Signals of finished commands (see
	// signalLater); close waits for them. bgCancel ends them when close's
	// time is up. closing, under mu, stops new ones once close has begun.
	mu       sync.Mutex
	closing  bool
	signals  sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

const (
	envelopeSize = 153600
	locale       = "en-US"
	// maxOpTimeout caps the WS-Management OperationTimeout of a Receive long
	// poll, so a connection is never silent for long.
	maxOpTimeout = 20 * time.Second
	// requestGrace is how long past the OperationTimeout an HTTP request may
	// take before it counts as lost.
	requestGrace = 10 * time.Second
	// maxCleanup bounds the Signal and Delete sent after a deadline passed.
	maxCleanup = 2 * time.Second
)

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
	return newClient(newCore(n, newCredGate()), n, false), nil
}

func newCore(n *normalized, gate *credGate) *core {
	c := &core{n: n, wire: newWire(n, gate), shells: newShellPool()}
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
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &run{c: c, maxRetries: c.n.MaxRetries, log: log, hard: hard}
				_ = r.deleteShell(ctx, sh.id)
			}()
		}
		stop := context.AfterFunc(ctx, c.bgCancel) // a Signal past the budget is abandoned
		c.signals.Wait()
		stop()
		wg.Wait()
		c.wire.close()
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
	n := c.core.n
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
	reserve := min(maxCleanup, deadline.Sub(start)/10)
	work, cancel := context.WithDeadline(ctx, deadline.Add(-reserve))
	defer cancel()

	r := &run{c: c.core, cmdline: cmdline, maxRetries: c.maxRetries, log: c.log, hard: deadline}
	res, err := r.do(work)
	res.Duration = time.Since(start)
	if err != nil && errors.Is(work.Err(), context.DeadlineExceeded) && !errors.Is(ctx.Err(), context.Canceled) {
		te := &TimeoutError{Host: n.host, After: res.Duration, Timeout: c.timeout, Port: n.Port,
			NotStarted: !r.started}
		if op, waited, ok := r.unanswered(); ok && !r.started {
			te.Unanswered, te.Waited = op, waited
		}
		err = te
	}
	fields := map[string]any{
		"endpoint": n.url, "user": n.Username, "auth": n.Auth, "command": cmdline,
		"duration_ms": res.Duration.Milliseconds(), "requests": r.requests, "retries": r.retries,
	}
	if err != nil {
		fields["error"] = err.Error()
		r.logf(ctx, "winrm command failed", fields)
		return res, err
	}
	fields["exit_code"] = res.ExitCode
	r.logf(ctx, "winrm command", fields)
	return res, nil
}

// run is the state of one Run.
type run struct {
	c          *core
	cmdline    string
	maxRetries int
	log        func(context.Context, string, map[string]any)
	hard       time.Time // the Run's deadline; cleanup may use time up to it
	requests   int
	retries    int

	// started is set once the host acknowledged the Command request.
	started bool
	// The request in flight, for the TimeoutError of a host that never
	// answers: its name, when it was sent, and whether a connection was
	// made for it and an answer began (see traced).
	pending      string
	pendingSince time.Time
	connected    atomic.Bool
	answered     atomic.Bool
}

// traced returns ctx with an httptrace that records, for the request about
// to be sent, whether a connection was made and whether an answer began
// (each request written, a handshake leg included, clears the latter).
func (r *run) traced(ctx context.Context, op string) context.Context {
	r.pending, r.pendingSince = op, time.Now()
	r.connected.Store(false)
	r.answered.Store(false)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:              func(httptrace.GotConnInfo) { r.connected.Store(true) },
		WroteRequest:         func(httptrace.WroteRequestInfo) { r.answered.Store(false) },
		GotFirstResponseByte: func() { r.answered.Store(true) },
	})
}

// unanswered reports the request still waiting for its answer on an
// accepted connection, and for how long.
func (r *run) unanswered() (string, time.Duration, bool) {
	if r.pending == "" || !r.connected.Load() || r.answered.Load() {
		return "", 0, false
	}
	return r.pending, time.Since(r.pendingSince), true
}

func (r *run) logf(ctx context.Context, msg string, fields map[string]any) {
	if r.log == nil {
		return
	}
	if fields == nil {
		fields = map[string]any{}
	}
	if _, ok := fields["endpoint"]; !ok {
		fields["endpoint"] = r.c.n.url
		fields["user"] = r.c.n.Username
	}
	r.log(ctx, msg, fields)
}

// cleanupCtx returns a context for a Signal or Delete after ctx ended: it
// ignores ctx's cancellation but not the Run's own deadline.
func (r *run) cleanupCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	dl := r.hard
	if lim := time.Now().Add(maxCleanup); lim.Before(dl) {
		dl = lim
	}
	return context.WithDeadline(context.WithoutCancel(ctx), dl)
}

// call sends one message and returns the response body, or an error that is
// a *Fault when the host answered with one (whatever the HTTP status).
func (r *run) call(ctx context.Context, op string, build func(p *winrm.Parameters) string) ([]byte, error) {
	op2 := maxOpTimeout
	if dl, ok := ctx.Deadline(); ok {
		op2 = min(op2, time.Until(dl).Truncate(time.Second))
	}
	op2 = max(op2, time.Second)
	params := winrm.NewParameters(fmt.Sprintf("PT%dS", int(op2/time.Second)), locale, envelopeSize)
	msg := build(params)
	reqTimeout := op2 + requestGrace
	tctx := ctx
	if op == "Create" || op == "Command" {
		// The requests that lead to a command: the ones a TimeoutError
		// with NotStarted may name.
		tctx = r.traced(ctx, op)
	}
	rctx, cancel := context.WithTimeout(tctx, reqTimeout)
	defer cancel()
	r.requests++
	status, body, err := r.c.wire.post(rctx, []byte(msg))
	if tctx != ctx && ctx.Err() == nil {
		r.pending = "" // answered, or failed otherwise than by the deadline
	}
	if err != nil {
		if ctx.Err() == nil && rctx.Err() != nil {
			return nil, fmt.Errorf("WinRM %s request to %s: %w", op, r.c.n.host, &requestTimeoutError{reqTimeout})
		}
		var ae *AuthError
		var te *TLSError
		if errors.As(err, &ae) || errors.As(err, &te) {
			return nil, err
		}
		var ie *IntegrityError
		if errors.As(err, &ie) {
			ie.Host, ie.Operation = r.c.n.hostport, op
			return nil, ie
		}
		var he *HTTPError
		if errors.As(err, &he) {
			he.Host = r.c.n.host
			if he.Operation == "" {
				he.Operation = op
				if he.logon {
					he.Operation += " (NTLM logon)"
				}
			}
			return nil, he
		}
		return nil, fmt.Errorf("WinRM %s request to %s: %w", op, r.c.n.host, err)
	}
	f, xerr := scanResponse(body)
	if f != nil {
		f.Host, f.Operation, f.HTTPStatus = r.c.n.host, op, status
		return nil, f
	}
	if status != 200 {
		return nil, &HTTPError{Host: r.c.n.host, Operation: op, StatusCode: status, Body: summarizeBody(body)}
	}
	if xerr != nil {
		return nil, fmt.Errorf("WinRM %s response from %s: %w", op, r.c.n.host, xerr)
	}
	return body, nil
}

// callRetry is call with retries of transient failures. ambiguousOK allows
// repeating a request that may already have been acted on.
func (r *run) callRetry(ctx context.Context, op string, ambiguousOK bool, build func(p *winrm.Parameters) string) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		body, err := r.call(ctx, op, build)
		if err == nil {
			return body, nil
		}
		if !r.retryable(ctx, err, ambiguousOK, attempt) {
			return nil, err
		}
		r.logf(ctx, "winrm request retried", map[string]any{"operation": op, "attempt": attempt, "error": err.Error()})
		if backoff(ctx, attempt) != nil {
			return nil, err
		}
	}
}

func (r *run) retryable(ctx context.Context, err error, ambiguousOK bool, attempt int) bool {
	if ctx.Err() != nil || attempt > r.maxRetries {
		return false
	}
	switch classify(err) {
	case classRetry:
	case classAmbiguous:
		if !ambiguousOK {
			return false
		}
	default:
		return false
	}
	r.retries++
	return true
}

// do runs the command on a pooled shell, reopening the shell once if it has
// expired and making room when the host's shell quota is reached.
func (r *run) do(ctx context.Context) (Result, error) {
	url := r.c.n.url
	reopened := false
	quotaTries := 0
	for {
		sh, err := r.c.shells.take(ctx)
		if err != nil {
			return Result{}, err
		}
		if sh.id == "" {
			body, err := r.callRetry(ctx, "Create", true, func(p *winrm.Parameters) string {
				return openShellRequest(url, p)
			})
			if err == nil {
				sh.id, err = parseShellID(body)
			}
			if err != nil {
				r.c.shells.drop(sh)
				var f *Fault
				if errors.As(err, &f) && f.quota() && quotaTries < r.maxRetries && ctx.Err() == nil {
					quotaTries++
					r.retries++
					idle := r.c.shells.drainIdle()
					if len(idle) == 0 {
						r.c.shells.lower()
					}
					for _, old := range idle {
						_ = r.deleteShell(ctx, old.id)
					}
					r.logf(ctx, "winrm shell quota reached", map[string]any{"closed_idle": len(idle), "error": err.Error()})
					if backoff(ctx, quotaTries) != nil {
						return Result{}, err
					}
					continue
				}
				return Result{}, err
			}
		}
		res, cmdID, healthy, err := r.execute(ctx, sh)
		var f *Fault
		if err != nil && errors.As(err, &f) && f.shellGone() {
			r.c.shells.drop(sh)
			if f.Operation == "Command" && !reopened && ctx.Err() == nil {
				reopened = true
				r.logf(ctx, "winrm shell expired; reopening", map[string]any{"shell": sh.id})
				continue
			}
			return res, err
		}
		if cmdID != "" {
			// Done, output in hand: the command still has to be released.
			if !r.c.n.freshShellPerCommand && r.c.signalLater(ctx, r, sh, cmdID) {
				return res, nil
			}
			healthy = r.signal(ctx, sh.id, cmdID) == nil
		}
		if r.c.n.freshShellPerCommand {
			// The baseline never reuses a shell, and like masterzen/winrm's
			// RunWithContext it sends Signal and Delete before returning.
			healthy = false
		}
		r.release(ctx, sh, healthy)
		return res, err
	}
}

// signalLater sends the Signal that releases r's finished command in the
// background, then returns the shell to the pool, or deletes it when the
// Signal failed (the shell may then still hold the command). It reports false
// when the core is closing; the caller then signals and releases the shell
// itself.
//
// The Signal runs under the Run's own deadline, not ctx's cancellation: the
// caller may cancel ctx as soon as Run has returned.
func (c *core) signalLater(ctx context.Context, r *run, sh *shell, cmdID string) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	c.signals.Add(1)
	c.mu.Unlock()
	c.shells.markPending(sh)
	// A run of its own: r's counters belong to the Run that is returning.
	bg := &run{c: c, cmdline: r.cmdline, maxRetries: r.maxRetries, log: r.log, hard: r.hard}
	go func() {
		defer c.signals.Done()
		sctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), bg.hard)
		defer cancel()
		defer context.AfterFunc(c.bgCtx, cancel)()
		_, err := bg.callRetry(sctx, "Signal", true, func(p *winrm.Parameters) string {
			return winrm.NewSignalRequest(c.n.url, sh.id, cmdID, p).String()
		})
		if err != nil {
			bg.logf(sctx, "winrm signal failed; shell discarded", map[string]any{"shell": sh.id, "error": err.Error()})
		}
		if c.shells.finishPending(sh, err == nil) {
			return
		}
		// Closed, or the Signal failed: delete the shell, within what is left
		// of the Run's deadline and Close's budget.
		_ = bg.deleteShellWithin(sctx, sh.id)
		c.shells.drop(sh)
	}()
	return true
}

// release returns a shell to the pool, or deletes it when it may be unusable.
func (r *run) release(ctx context.Context, sh *shell, healthy bool) {
	if healthy && r.c.shells.put(sh) {
		return
	}
	_ = r.deleteShell(ctx, sh.id)
	r.c.shells.drop(sh)
}

// deleteShell deletes a shell within cleanupCtx's time: after ctx ended too.
func (r *run) deleteShell(ctx context.Context, id string) error {
	cctx, cancel := r.cleanupCtx(ctx)
	defer cancel()
	return r.deleteShellWithin(cctx, id)
}

// deleteShellWithin deletes a shell, retrying transient failures while ctx
// lasts. A shell the host no longer knows counts as deleted (a retried
// Delete whose first attempt went through finds it gone). A shell that could
// not be deleted is logged with its host and id: it stays open on the host,
// counting against the user's shell quota, until its shellIdleTimeout.
func (r *run) deleteShellWithin(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	_, err := r.callRetry(ctx, "Delete", true, func(p *winrm.Parameters) string {
		return winrm.NewDeleteShellRequest(r.c.n.url, id, p).String()
	})
	var f *Fault
	if errors.As(err, &f) && f.shellGone() {
		return nil
	}
	if err != nil {
		r.logf(ctx, "winrm shell not deleted", map[string]any{"shell": id, "host": r.c.n.hostport,
			"idle_timeout": shellIdleTimeout.String(), "error": err.Error()})
	}
	return err
}

// execute runs the command on an open shell: Command, then Receive until
// Done. It reports whether the shell is fit for reuse. On success it returns
// the command's id, whose Signal the caller owes; on failure it has sent that
// Signal itself (terminating the command when ctx ended).
func (r *run) execute(ctx context.Context, sh *shell) (Result, string, bool, error) {
	url := r.c.n.url
	for restart := 1; ; restart++ {
		body, err := r.callRetry(ctx, "Command", true, func(p *winrm.Parameters) string {
			return winrm.NewExecuteCommandRequest(url, sh.id, r.cmdline, nil, p).String()
		})
		if err != nil {
			return Result{}, "", true, err
		}
		cmdID, err := parseCommandID(body)
		if err != nil {
			return Result{}, "", false, err
		}
		r.started = true
		stdout, stderr, code, rerr := r.receive(ctx, sh.id, cmdID)
		if rerr == nil {
			return Result{Stdout: decodeOutput(stdout), Stderr: decodeOutput(stderr), ExitCode: code}, cmdID, true, nil
		}
		serr := r.signal(ctx, sh.id, cmdID)
		// Output may have been lost with the connection: run the command again
		// from the start rather than return partial output.
		if r.retryable(ctx, rerr, true, restart) && classify(rerr) == classAmbiguous {
			r.logf(ctx, "winrm command restarted", map[string]any{"attempt": restart, "error": rerr.Error()})
			if backoff(ctx, restart) == nil {
				continue
			}
		}
		return Result{}, "", serr == nil, rerr
	}
}

// Pauses between Receives answered at once with no output and not done
// (Windows holds a Receive until output comes or the OperationTimeout passes,
// but a server that does not would otherwise be polled without pause).
const (
	emptyReceiveFirst = 50 * time.Millisecond
	emptyReceiveMax   = time.Second
)

// receive polls for output until the command is done.
func (r *run) receive(ctx context.Context, shellID, cmdID string) (stdout, stderr []byte, code int, err error) {
	url := r.c.n.url
	fails := 0
	var pause time.Duration // after an empty answer; reset by output
	for {
		body, err := r.call(ctx, "Receive", func(p *winrm.Parameters) string {
			return winrm.NewGetOutputRequest(url, shellID, cmdID, "stdout stderr", p).String()
		})
		if err != nil {
			var f *Fault
			if errors.As(err, &f) && f.timedOut() && ctx.Err() == nil {
				continue // the long poll expired with no output: poll again
			}
			if classify(err) == classRetry {
				fails++
				if r.retryable(ctx, err, false, fails) {
					r.logf(ctx, "winrm request retried", map[string]any{"operation": "Receive", "attempt": fails, "error": err.Error()})
					if backoff(ctx, fails) == nil {
						continue
					}
				}
			}
			return nil, nil, 0, err
		}
		rr, err := parseReceive(body)
		if err != nil {
			return nil, nil, 0, err
		}
		stdout = append(stdout, rr.stdout...)
		stderr = append(stderr, rr.stderr...)
		if rr.done {
			return stdout, stderr, rr.exitCode, nil
		}
		if len(rr.stdout)+len(rr.stderr) > 0 {
			pause = 0
			continue
		}
		pause = min(max(2*pause, emptyReceiveFirst), emptyReceiveMax)
		if err := sleep(ctx, pause); err != nil {
			return nil, nil, 0, err
		}
	}
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// signal terminates the command (which also releases it when it is done).
// After ctx ended it still tries once, briefly.
func (r *run) signal(ctx context.Context, shellID, cmdID string) error {
	build := func(p *winrm.Parameters) string {
		return winrm.NewSignalRequest(r.c.n.url, shellID, cmdID, p).String()
	}
	if ctx.Err() == nil {
		_, err := r.callRetry(ctx, "Signal", true, build)
		if err == nil || ctx.Err() == nil {
			return err
		}
	}
	cctx, cancel := r.cleanupCtx(ctx)
	defer cancel()
	_, err := r.call(cctx, "Signal", build)
	return err
}
