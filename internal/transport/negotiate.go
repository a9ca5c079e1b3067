package transport

import (
	"context"
	"errors"
	"sync"
)

// negotiateWire is auth "negotiate": Kerberos when a ticket can be had for
// the host, NTLM otherwise, as Windows' own Negotiate package chooses. The
// choice is made at the first request, said in the log, and kept.
type negotiateWire struct {
	n        *normalized
	krb      *sessionWire
	ntlm     *sessionWire
	mu       sync.Mutex
	chosen   wire
	announce sync.Once
}

func newNegotiateWire(n *normalized, gate *credGate) *negotiateWire {
	return &negotiateWire{
		n:    n,
		krb:  &sessionWire{n: n, gate: gate, auth: krbAuth{n: n, gate: gate}},
		ntlm: &sessionWire{n: n, gate: gate, auth: ntlmAuth{n: n, gate: gate}},
	}
}

func (w *negotiateWire) post(ctx context.Context, body []byte) (int, []byte, error) {
	w.mu.Lock()
	c := w.chosen
	w.mu.Unlock()
	if c != nil {
		return c.post(ctx, body)
	}
	status, resp, err := w.krb.post(ctx, body)
	var ae *AuthError
	switch {
	case err == nil:
		w.choose(ctx, w.krb, "Kerberos", "")
	case errors.As(err, &ae) && ae.noTicket:
		// No Kerberos exchange took place with the host: it has seen
		// nothing of this request.
		w.choose(ctx, w.ntlm, "NTLM", ae.Reason)
		return w.ntlm.post(ctx, body)
	}
	return status, resp, err
}

// choose keeps the scheme that worked, and says which in the log.
func (w *negotiateWire) choose(ctx context.Context, c wire, scheme, why string) {
	w.mu.Lock()
	if w.chosen == nil {
		w.chosen = c
	}
	w.mu.Unlock()
	w.announce.Do(func() {
		if w.n.Log == nil {
			return
		}
		fields := map[string]any{"endpoint": w.n.url, "user": w.n.Username, "scheme": scheme}
		if w.n.krb != nil && w.n.krb.realm != "" {
			fields["spn"] = w.n.spn
		}
		if why != "" {
			fields["kerberos_unavailable"] = why
		}
		w.n.Log(ctx, "winrm negotiate chose "+scheme, fields)
	})
}

func (w *negotiateWire) close() {
	w.krb.close()
	w.ntlm.close()
}
