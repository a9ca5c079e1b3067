package transport

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"

	krbclient "github.com/jcmturner/gokrb5/v8/client"
)

// credGate guards the logons made with one set of credentials (user name,
// password, auth scheme), so that a wrong password costs one failed logon
// per process instead of one per host: Windows locks an account out after a
// number of failed logons (often 10), and Terraform runs ten operations at
// once over any number of hosts.
//
// Until a logon with the credentials has succeeded, at most one logon
// attempt with them is in flight at a time, whatever the host. Once a host
// has refused them (a 401 to the NTLM AUTHENTICATE message or to Basic
// credentials), no further attempt is made with them: every later logon
// fails at once with an *AuthError that names that host. Once a logon has
// succeeded, the gate is open: logons run in parallel, and a later refusal
// (for instance a host where the same name is another local account) is that
// host's own failure and closes nothing.
//
// Failures that say nothing of the credentials leave the gate as it was: a
// host that does not offer the scheme, TLS and network failures, and error
// statuses such as a 503 on a handshake leg.
type credGate struct {
	sem chan struct{} // held by the one logon in flight while unproven

	mu      sync.Mutex
	proven  bool
	refused *AuthError // the first refusal, while unproven

	// krb is the Kerberos client of the credentials, logged on (see
	// kerberos); krbMu is held while it is made.
	krbMu     sync.Mutex
	krb       *krbclient.Client
	krbLogins int // AS exchanges made, for tests
}

func newCredGate() *credGate { return &credGate{sem: make(chan struct{}, 1)} }

// credGates holds one credGate per set of credentials. A Pool has one, so
// the gate spans every endpoint of a provider process; a Client from New
// has its own gate.
type credGates struct {
	mu sync.Mutex
	m  map[[32]byte]*credGate
}

func newCredGates() *credGates { return &credGates{m: map[[32]byte]*credGate{}} }

// get returns the gate of n's credentials. The user name is compared
// without case, as Windows does; the password is hashed into the key.
func (g *credGates) get(n *normalized) *credGate {
	h := sha256.New()
	for _, s := range []string{strings.ToLower(n.domain), strings.ToLower(n.user), n.Password, n.Auth, n.krbCredentials()} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var k [32]byte
	h.Sum(k[:0])
	g.mu.Lock()
	defer g.mu.Unlock()
	gate, ok := g.m[k]
	if !ok {
		gate = newCredGate()
		g.m[k] = gate
	}
	return gate
}

// close ends what the gates keep running: their Kerberos clients' ticket
// renewals.
func (g *credGates) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, gate := range g.m {
		gate.closeKerberos()
	}
}

// check returns the error for n when the credentials were refused before
// they were proven, nil otherwise. It lets a caller give up before it
// touches the network.
func (g *credGate) check(n *normalized) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refused == nil {
		return nil
	}
	by := g.refused.Host
	if g.refused.by != "" {
		by = g.refused.by
	}
	return &AuthError{User: n.principalName(), Host: n.hostport, Auth: n.Auth, RefusedBy: by}
}

// logon runs attempt, which makes one logon attempt with the gate's
// credentials, under the gate's rule (see credGate), and records its
// outcome: nil is a success, an *AuthError about the credentials a refusal.
func (g *credGate) logon(ctx context.Context, n *normalized, attempt func() error) error {
	g.mu.Lock()
	proven := g.proven
	g.mu.Unlock()
	if proven {
		return attempt()
	}
	if err := g.check(n); err != nil {
		return err
	}
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	proven = g.proven
	g.mu.Unlock()
	if proven {
		<-g.sem
		return attempt()
	}
	defer func() { <-g.sem }()
	if err := g.check(n); err != nil {
		return err
	}
	err := attempt()
	var ae *AuthError
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err == nil:
		g.proven = true
	case errors.As(err, &ae) && ae.credentials:
		g.refused = ae
	}
	return err
}
