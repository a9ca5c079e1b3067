package transport

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"
)

// errClass says whether and how a failed request may be repeated.
type errClass int

const (
	// classPermanent: do not retry (auth, TLS, access denied, bad request...).
	classPermanent errClass = iota
	// classRetry: the host did not act on the request (it answered with a
	// transient fault or 5xx, or the connection was never made).
	classRetry
	// classAmbiguous: the request may have reached the host and been acted on
	// (connection reset or EOF after sending, a request timeout). Repeating it
	// is acceptable only for idempotent steps.
	classAmbiguous
)

// requestTimeoutError is one HTTP request exceeding its own time limit while
// the command's deadline had not passed.
type requestTimeoutError struct{ after time.Duration }

func (e *requestTimeoutError) Error() string {
	return "no answer from the host within " + e.after.String()
}

func classify(err error) errClass {
	if err == nil {
		return classPermanent
	}
	var ae *AuthError
	var te *TLSError
	var ie *IntegrityError
	if errors.As(err, &ae) || errors.As(err, &te) || errors.As(err, &ie) || errors.Is(err, ErrClosed) {
		// An unprotected answer in particular is never retried: whatever
		// forged it would answer the retry too.
		return classPermanent
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		var rt *requestTimeoutError
		if errors.As(err, &rt) {
			return classAmbiguous
		}
		return classPermanent
	}
	var f *Fault
	if errors.As(err, &f) {
		if f.transient() || f.timedOut() {
			return classRetry
		}
		return classPermanent
	}
	var he *HTTPError
	if errors.As(err, &he) {
		if he.StatusCode >= 500 && he.unprotected {
			return classAmbiguous
		}
		if he.StatusCode >= 500 {
			return classRetry
		}
		return classPermanent
	}
	var rt *requestTimeoutError
	if errors.As(err, &rt) {
		return classAmbiguous
	}
	if errors.Is(err, errConnLost) || errors.Is(err, syscall.ECONNREFUSED) {
		return classRetry
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return classRetry
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) {
		return classAmbiguous
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return classAmbiguous
	}
	return classPermanent
}

// backoffBase is the first retry delay; tests lower it.
var backoffBase = 200 * time.Millisecond

const backoffMax = 5 * time.Second

// backoff waits before retry number n (1-based): exponential, with a random
// half of the delay as jitter so that many resources failing together do not
// retry in step. It gives up at once when the wait would pass ctx's deadline.
func backoff(ctx context.Context, n int) error {
	d := backoffBase << min(n-1, 10)
	if d > backoffMax || d <= 0 {
		d = backoffMax
	}
	d = d/2 + rand.N(d/2+1)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded
	}
	return sleep(ctx, d)
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
