package transport

import (
	"context"
	"sync"
	"time"
)

// maxShells is how many shells one Client keeps open, and so how many
// commands it runs at once on a host. Windows allows 30 shells per user by
// default (MaxShellsPerUser); a few suffice to keep a host busy.
const maxShells = 4

// shellIdleTimeout is the IdleTimeOut every shell is opened with: a shell
// that could not be deleted (the host unreachable when the provider exits)
// ends on its own after this long instead of the host's default, two hours
// on Windows, counting meanwhile against the user's shell quota. Shells kept
// for reuse that the host has expired are reopened (see run.do).
const shellIdleTimeout = 5 * time.Minute

// shell is a remote cmd shell. An empty id is a reservation: the holder may
// open a shell in that place.
type shell struct {
	id string
}

// shellPool hands out open shells, one command at a time each. It also bounds
// concurrency: when every shell is busy, take waits.
type shellPool struct {
	mu    sync.Mutex
	idle  []*shell
	open  int // shells open or reserved, idle or busy
	limit int // lowered when the host reports a shell quota
	// pending counts busy shells whose finished command's Signal is still in
	// flight (see markPending); claimed counts the takers waiting for one of
	// them instead of opening a shell.
	pending, claimed int
	wake             chan struct{}
	closed           bool
}

func newShellPool() *shellPool {
	return &shellPool{limit: maxShells, wake: make(chan struct{})}
}

// notify wakes every waiter; callers hold p.mu.
func (p *shellPool) notify() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// take returns an idle shell (most recently used first: least likely to have
// expired), or a reservation to open one, waiting while all are busy.
//
// A shell whose Signal is in flight is as good as idle: the Signal was sent
// first, so it completes before a Create sent now would, and reusing the shell
// saves the Create, a shell on the host and its Delete. So take waits for such
// a shell, one taker per pending shell, before it reserves a new one.
func (p *shellPool) take(ctx context.Context) (*shell, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClosed
		}
		if n := len(p.idle); n > 0 {
			sh := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			return sh, nil
		}
		if p.pending > p.claimed {
			p.claimed++
			wake := p.wake
			p.mu.Unlock()
			var err error
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-wake:
			}
			p.mu.Lock()
			p.claimed--
			p.mu.Unlock()
			if err != nil {
				return nil, err
			}
			continue
		}
		if p.open < p.limit {
			p.open++
			p.mu.Unlock()
			return &shell{}, nil
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wake:
		}
	}
}

// put returns a healthy shell for reuse. It reports false when the shell
// should be deleted instead (pool closed, or over a lowered limit); the caller
// then deletes it and calls drop.
func (p *shellPool) put(sh *shell) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.putLocked(sh)
}

func (p *shellPool) putLocked(sh *shell) bool {
	if p.closed || p.open > p.limit || sh.id == "" {
		return false
	}
	p.idle = append(p.idle, sh)
	p.notify()
	return true
}

// markPending records that the caller, who holds sh, has handed it to a
// goroutine that terminates its finished command and then calls finishPending.
func (p *shellPool) markPending(*shell) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending++
}

// finishPending ends markPending. ok says the Signal succeeded; the shell is
// then returned for reuse as by put, and the result is put's.
func (p *shellPool) finishPending(sh *shell, ok bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending--
	if ok && p.putLocked(sh) {
		return true
	}
	p.notify() // takers waiting for this shell must look again
	return false
}

// drop forgets a shell or reservation.
func (p *shellPool) drop(*shell) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.open--
	p.notify()
}

// drainIdle removes and returns every idle shell (to delete them, freeing
// quota on the host).
func (p *shellPool) drainIdle() []*shell {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.drainIdleLocked()
}

func (p *shellPool) drainIdleLocked() []*shell {
	idle := p.idle
	p.idle = nil
	p.open -= len(idle)
	p.notify()
	return idle
}

// lower caps the pool at the shells it holds now (the caller has dropped its
// reservation): the host will not give this user more.
func (p *shellPool) lower() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limit = max(1, p.open)
}

// close marks the pool closed and returns the idle shells to delete.
func (p *shellPool) close() []*shell {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return p.drainIdleLocked()
}
