package transport

import (
	"context"
	"errors"

	"github.com/masterzen/winrm"
)

// shell returns a shell for the command: an idle one from the pool, or a new
// one in the place the pool reserved. When the host refuses a new shell
// because the user's shell quota is reached, it makes room (see makeRoom) and
// tries again, up to MaxRetries times.
func (r *run) shell(ctx context.Context) (*shell, error) {
	for quotaTries := 0; ; {
		sh, err := r.c.shells.take(ctx)
		if err != nil {
			return nil, err
		}
		if sh.id != "" {
			return sh, nil
		}
		if err = r.open(ctx, sh); err == nil {
			return sh, nil
		}
		r.c.shells.drop(sh)
		var f *Fault
		if !errors.As(err, &f) || !f.quota() || quotaTries >= r.maxRetries || ctx.Err() != nil {
			return nil, err
		}
		quotaTries++
		r.retries++
		r.makeRoom(ctx, err)
		if backoff(ctx, quotaTries) != nil {
			return nil, err
		}
	}
}

// open opens a shell on the host in the place sh reserves.
func (r *run) open(ctx context.Context, sh *shell) error {
	body, err := r.callRetry(ctx, "Create", true, func(p *winrm.Parameters) string {
		return openShellRequest(r.c.n.url, p)
	})
	if err != nil {
		return err
	}
	sh.id, err = parseShellID(body)
	return err
}

// makeRoom answers a host that refused a shell for the user's shell quota
// (which counts the user's shells of every process): it deletes the pool's
// idle shells, or, when there are none, caps the pool at the shells it holds,
// since the host will not give this user more.
func (r *run) makeRoom(ctx context.Context, quotaErr error) {
	idle := r.c.shells.drainIdle()
	if len(idle) == 0 {
		r.c.shells.lower()
	}
	for _, old := range idle {
		_ = r.deleteShell(ctx, old.id)
	}
	r.logf(ctx, "winrm shell quota reached", map[string]any{"closed_idle": len(idle), "error": quotaErr.Error()})
}

// finish settles the shell after execute. A command that completed still
// holds its shell until it is signalled: the Signal is sent in the background
// when it can be, so that Run returns the output at once; otherwise it is
// sent here, and the shell goes back to the pool, or is deleted when it may be
// unusable.
func (r *run) finish(ctx context.Context, sh *shell, cmdID string, healthy bool) {
	if cmdID != "" {
		// Done, output in hand: the command still has to be released.
		if !r.c.n.freshShellPerCommand && r.c.signalLater(ctx, r, sh, cmdID) {
			return
		}
		healthy = r.signal(ctx, sh.id, cmdID) == nil
	}
	if r.c.n.freshShellPerCommand {
		// The baseline never reuses a shell, and like masterzen/winrm's
		// RunWithContext it sends Signal and Delete before returning.
		healthy = false
	}
	r.release(ctx, sh, healthy)
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
