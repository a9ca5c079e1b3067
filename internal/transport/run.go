package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/masterzen/winrm"
)

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
	opTimeout := operationTimeout(ctx)
	params := winrm.NewParameters(fmt.Sprintf("PT%dS", int(opTimeout/time.Second)), locale, envelopeSize)
	msg := build(params)
	reqTimeout := opTimeout + requestGrace
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
		return nil, r.requestError(op, err)
	}
	return r.response(op, status, body)
}

// operationTimeout is the WS-Management OperationTimeout of a request sent
// under ctx: maxOpTimeout, or the whole seconds left before ctx's deadline
// when fewer (at least one), so that the host answers before the deadline.
func operationTimeout(ctx context.Context) time.Duration {
	op := maxOpTimeout
	if dl, ok := ctx.Deadline(); ok {
		op = min(op, time.Until(dl).Truncate(time.Second))
	}
	return max(op, time.Second)
}

// requestError completes the error of a request that got no usable answer
// with the host and operation, so that it says what failed where.
// Authentication and TLS failures name the host already.
func (r *run) requestError(op string, err error) error {
	var ae *AuthError
	var te *TLSError
	if errors.As(err, &ae) || errors.As(err, &te) {
		return err
	}
	var ie *IntegrityError
	if errors.As(err, &ie) {
		ie.Host, ie.Operation = r.c.n.hostport, op
		return ie
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
		return he
	}
	return fmt.Errorf("WinRM %s request to %s: %w", op, r.c.n.host, err)
}

// response checks an answer: a SOAP fault is a *Fault whatever the HTTP
// status (a fault explains an error status better than the status does),
// another non-200 status an *HTTPError, and a 200 must be well-formed.
func (r *run) response(op string, status int, body []byte) ([]byte, error) {
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
// expired.
func (r *run) do(ctx context.Context) (Result, error) {
	reopened := false
	for {
		sh, err := r.shell(ctx)
		if err != nil {
			return Result{}, err
		}
		res, cmdID, healthy, err := r.execute(ctx, sh)
		var f *Fault
		if err != nil && errors.As(err, &f) && f.shellGone() {
			// A shell kept for reuse may have ended on the host (its
			// IdleTimeOut passed). Only a refused Command is sent again, on
			// a new shell: the command did not start.
			r.c.shells.drop(sh)
			if f.Operation == "Command" && !reopened && ctx.Err() == nil {
				reopened = true
				r.logf(ctx, "winrm shell expired; reopening", map[string]any{"shell": sh.id})
				continue
			}
			return res, err
		}
		r.finish(ctx, sh, cmdID, healthy)
		return res, err
	}
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
			return r.c.result(stdout, stderr, code), cmdID, true, nil
		}
		serr := r.signal(ctx, sh.id, cmdID)
		// Output may have been lost with the connection: run the command again
		// from the start rather than return partial output. The class is
		// tested first: retryable counts a retry, and only an ambiguous
		// failure restarts the command.
		if classify(rerr) == classAmbiguous && r.retryable(ctx, rerr, true, restart) {
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
			if r.pollAgain(ctx, err, &fails) {
				continue
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

// pollAgain reports whether to send a failed Receive again: always after a
// long poll that expired with no output (a quiet command, not a failure), and
// after a failure the host did not act on while retries remain (fails counts
// them). A Receive that may have been acted on is not repeated: output it
// carried would be lost, so execute runs the command again instead.
func (r *run) pollAgain(ctx context.Context, err error, fails *int) bool {
	var f *Fault
	if errors.As(err, &f) && f.timedOut() && ctx.Err() == nil {
		return true // the long poll expired with no output: poll again
	}
	if classify(err) != classRetry {
		return false
	}
	*fails++
	if !r.retryable(ctx, err, false, *fails) {
		return false
	}
	r.logf(ctx, "winrm request retried", map[string]any{"operation": "Receive", "attempt": *fails, "error": err.Error()})
	return backoff(ctx, *fails) == nil
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
