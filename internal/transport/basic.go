package transport

import (
	"bytes"
	"context"
	"net/http"
)

// basicWire sends Basic credentials on every request over a shared transport.
type basicWire struct {
	n      *normalized
	gate   *credGate
	tr     *http.Transport
	client *http.Client
}

func newBasicWire(n *normalized, gate *credGate) *basicWire {
	tr := newHTTPTransport(n, dialer(n).DialContext)
	return &basicWire{n: n, gate: gate, tr: tr, client: &http.Client{Transport: tr, CheckRedirect: noRedirect}}
}

// post sends one request. With Basic every request is a logon attempt, so
// each goes through the credential gate.
func (w *basicWire) post(ctx context.Context, body []byte) (status int, resp []byte, err error) {
	err = w.gate.logon(ctx, w.n, func() error {
		var err error
		status, resp, err = w.send(ctx, body)
		return err
	})
	return status, resp, err
}

func (w *basicWire) send(ctx context.Context, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.n.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", soapContentType)
	req.SetBasicAuth(w.n.Username, w.n.Password)
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, nil, tlsFailure(w.n.host, err)
	}
	b, err := readBody(resp)
	if resp.StatusCode == http.StatusUnauthorized {
		if !offersScheme(resp.Header, "Basic") {
			return resp.StatusCode, nil, &AuthError{User: w.n.Username, Host: w.n.hostport, Auth: w.n.Auth,
				Reason: "the host does not offer Basic authentication; it offers: " + offeredSchemes(resp.Header)}
		}
		return resp.StatusCode, nil, &AuthError{User: w.n.Username, Host: w.n.hostport, Auth: w.n.Auth, credentials: true}
	}
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

func (w *basicWire) close() { w.tr.CloseIdleConnections() }
