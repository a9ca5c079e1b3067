package transport

import (
	"context"
	"errors"

	"github.com/masterzen/winrm"
)

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
