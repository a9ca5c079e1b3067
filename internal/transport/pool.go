package transport

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Pool shares one connection (shells, NTLM sessions) per endpoint, user,
// password, auth and TLS settings among all the resources of a process. The
// Clients it returns may carry different Timeout, MaxRetries and Log.
//
// Across endpoints, the Pool guards the logons made with each set of
// credentials (see credGate): until one has succeeded, one at a time; once a
// host has refused them, none.
type Pool struct {
	mu    sync.Mutex
	cores map[string]*core
	gates *credGates
	// runs counts the Runs per host and port, across credentials and
	// spellings of the host's name (see Client.Runs).
	runs   map[string]*atomic.Uint64
	closed bool
}

// NewPool returns an empty Pool.
func NewPool() *Pool {
	return &Pool{cores: map[string]*core{}, gates: newCredGates(), runs: map[string]*atomic.Uint64{}}
}

// Client returns a Client for cfg, sharing the connection of any earlier
// Client with the same endpoint, credentials and TLS settings. It does not
// touch the network.
func (p *Pool) Client(cfg Config) (*Client, error) {
	n, err := normalize(cfg)
	if err != nil {
		return nil, err
	}
	key := n.key()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	c, ok := p.cores[key]
	if !ok {
		runs := p.runs[n.hostKey()]
		if runs == nil {
			runs = new(atomic.Uint64)
			p.runs[n.hostKey()] = runs
		}
		c = newCore(n, p.gates.get(n), runs)
		p.cores[key] = c
	}
	return newClient(c, n, true), nil
}

// Close waits for the Signals still releasing finished commands, deletes the
// open shells of every Client (best effort, in parallel, within a few seconds)
// and closes their connections. No goroutine of the Pool outlives Close.
func (p *Pool) Close() error {
	p.mu.Lock()
	cores := p.cores
	p.cores = map[string]*core{}
	p.closed = true
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cores {
		wg.Go(func() { c.close(c.n.Log) })
	}
	wg.Wait()
	p.gates.close()
	return nil
}

// hostKey names the host and port of n whatever the spelling of its name:
// DNS names are case-insensitive, and a trailing dot names the same host.
func (n *normalized) hostKey() string {
	return strings.ToLower(strings.TrimSuffix(hostName(n.Host), ".")) + ":" + strconv.Itoa(n.Port)
}
