package provider

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"weak"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

type serverTestKey struct{}

// payload is a value only a request's context holds.
type payload struct{ _ [1024]byte }

// TestServerReleasesRequestContexts: once a request has returned, nothing
// the server keeps leads to its context. The framework's server alone keeps
// every request's (see releasingServer).
func TestServerReleasesRequestContexts(t *testing.T) {
	tests := []struct {
		name string
		call func(ctx context.Context, s tfprotov6.ProviderServer) error
	}{
		{"GetProviderSchema", func(ctx context.Context, s tfprotov6.ProviderServer) error {
			_, err := s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
			return err
		}},
		{"ValidateResourceConfig", func(ctx context.Context, s tfprotov6.ProviderServer) error {
			_, err := s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "windows_ntp_config"})
			return err
		}},
		{"ReadResource", func(ctx context.Context, s tfprotov6.ProviderServer) error {
			_, err := s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "windows_ntp_config"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer("test", nil)()
			const requests = 5
			var held []weak.Pointer[payload]
			for range requests {
				p := &payload{}
				held = append(held, weak.Make(p))
				ctx, cancel := context.WithCancel(context.WithValue(t.Context(), serverTestKey{}, p))
				if err := tt.call(ctx, s); err != nil {
					t.Fatal(err)
				}
				cancel()
			}
			runtime.GC()
			runtime.GC()
			kept := 0
			for _, w := range held {
				if w.Value() != nil {
					kept++
				}
			}
			if kept > 0 {
				t.Errorf("%d of %d request contexts still reachable after their requests returned", kept, requests)
			}
			runtime.KeepAlive(s)
		})
	}
}

// recordingServer is a downstream server whose ReadResource reports what its
// context shows.
type recordingServer struct {
	tfprotov6.ProviderServer
	read func(ctx context.Context)
}

func (s recordingServer) ReadResource(ctx context.Context, _ *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	s.read(ctx)
	return &tfprotov6.ReadResourceResponse{}, nil
}

// TestServerRequestContext: while a request runs, its context carries the
// request's values and cancellation; after it returned, neither.
func TestServerRequestContext(t *testing.T) {
	var during context.Context
	var value any
	var canceled error
	s := releasingServer{recordingServer{read: func(ctx context.Context) {
		during = ctx
		value = ctx.Value(serverTestKey{})
		select {
		case <-ctx.Done():
			canceled = ctx.Err()
		default:
		}
	}}}
	ctx, cancel := context.WithCancel(context.WithValue(t.Context(), serverTestKey{}, "request"))
	cancel() // a request the CLI canceled
	if _, err := s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{}); err != nil {
		t.Fatal(err)
	}
	if value != "request" {
		t.Errorf("value during the request = %v, want the request's", value)
	}
	if !errors.Is(canceled, context.Canceled) {
		t.Errorf("cancellation during the request: %v, want context.Canceled", canceled)
	}
	if v := during.Value(serverTestKey{}); v != nil {
		t.Errorf("value after the request = %v, want none", v)
	}
	if !errors.Is(during.Err(), context.Canceled) {
		t.Errorf("Err after the request = %v, want context.Canceled", during.Err())
	}
}
