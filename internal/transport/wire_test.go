package transport

import "testing"

// A fleet keeps one connection per host: each holds read and write buffers
// of connBufferSize, not net/http's 4 KiB.
func TestHTTPTransportBuffers(t *testing.T) {
	n, err := normalize(Config{Host: "host.example.com", Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	tr := newHTTPTransport(n, nil)
	if tr.ReadBufferSize != connBufferSize || tr.WriteBufferSize != connBufferSize || connBufferSize >= 4<<10 {
		t.Errorf("buffers: read %d, write %d; want %d each, below net/http's 4 KiB", tr.ReadBufferSize, tr.WriteBufferSize, connBufferSize)
	}
}
