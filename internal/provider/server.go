package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/w32time/terraform-provider-windows/internal/transport"
)

// NewServer returns the constructor of the provider's protocol 6 server, for
// tf6server.Serve: the framework's server for the provider of
// NewWithPool(version, pool), with every request's context released when the
// request returns (see releasingServer).
func NewServer(version string, pool *transport.Pool) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		return releasingServer{providerserver.NewProtocol6(NewWithPool(version, pool)())()}
	}
}

// releasingServer hands the framework, for each request, a context that
// stops leading to the request's own once the request has returned.
//
// The framework keeps the cancel function of a context derived from every
// request's, to cancel them all on StopProvider, and lets them go only then:
// through it, each request's context stays reachable until the process
// exits, and with it all that hangs off it (terraform-plugin-go's loggers,
// with their fields and buffers, the gRPC stream, the request's messages):
// some 20 KiB per request, one or more requests per resource, the larger
// part of what a fleet of a thousand hosts cost the provider's memory. The
// context the framework keeps now leads to an empty one.
//
// Cancellation is unchanged: while the request runs its context is the
// request's (a CLI that cancels the request, or StopProvider, still cancels
// what it runs). What a request starts and leaves running after it returns,
// such as the transport's background Signal (see transport.Client.Run), finds
// no values in its context from then on: its logs (a failed Signal, a shell
// not deleted) are dropped, as those of the shells deleted at exit are.
//
// The RPCs that stream their results after returning (list resources,
// actions) are not served: the provider has none, and the embedded server
// does not expose them either.
type releasingServer struct {
	tfprotov6.ProviderServer
}

// released is what a releasable context is after its request returned:
// canceled, and without values.
var released = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// releasable is a request's context until release, then released.
type releasable struct {
	ctx atomic.Pointer[context.Context]
}

func newReleasable(ctx context.Context) *releasable {
	r := &releasable{}
	r.ctx.Store(&ctx)
	return r
}

func (r *releasable) get() context.Context {
	if p := r.ctx.Load(); p != nil {
		return *p
	}
	return released
}

func (r *releasable) release()                                { r.ctx.Store(nil) }
func (r *releasable) Deadline() (deadline time.Time, ok bool) { return r.get().Deadline() }
func (r *releasable) Done() <-chan struct{}                   { return r.get().Done() }
func (r *releasable) Err() error                              { return r.get().Err() }
func (r *releasable) Value(key any) any                       { return r.get().Value(key) }

// serve calls f, one RPC of the framework's server, with a releasable
// context, released when f returns.
func serve[Req, Resp any](ctx context.Context, req Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	r := newReleasable(ctx)
	defer r.release()
	return f(r, req)
}

func (s releasingServer) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return serve(ctx, req, s.ProviderServer.GetMetadata)
}

func (s releasingServer) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return serve(ctx, req, s.ProviderServer.GetProviderSchema)
}

func (s releasingServer) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return serve(ctx, req, s.ProviderServer.GetResourceIdentitySchemas)
}

func (s releasingServer) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return serve(ctx, req, s.ProviderServer.ValidateProviderConfig)
}

func (s releasingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return serve(ctx, req, s.ProviderServer.ConfigureProvider)
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return serve(ctx, req, s.ProviderServer.ValidateResourceConfig)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return serve(ctx, req, s.ProviderServer.UpgradeResourceState)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return serve(ctx, req, s.ProviderServer.ReadResource)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return serve(ctx, req, s.ProviderServer.PlanResourceChange)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return serve(ctx, req, s.ProviderServer.ApplyResourceChange)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return serve(ctx, req, s.ProviderServer.ImportResourceState)
}

func (s releasingServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return serve(ctx, req, s.ProviderServer.MoveResourceState)
}

func (s releasingServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return serve(ctx, req, s.ProviderServer.UpgradeResourceIdentity)
}

func (s releasingServer) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return serve(ctx, req, s.ProviderServer.GenerateResourceConfig)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return serve(ctx, req, s.ProviderServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return serve(ctx, req, s.ProviderServer.ReadDataSource)
}

func (s releasingServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return serve(ctx, req, s.ProviderServer.CallFunction)
}

func (s releasingServer) GetFunctions(ctx context.Context, req *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return serve(ctx, req, s.ProviderServer.GetFunctions)
}

func (s releasingServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return serve(ctx, req, s.ProviderServer.ValidateEphemeralResourceConfig)
}

func (s releasingServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return serve(ctx, req, s.ProviderServer.OpenEphemeralResource)
}

func (s releasingServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return serve(ctx, req, s.ProviderServer.RenewEphemeralResource)
}

func (s releasingServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return serve(ctx, req, s.ProviderServer.CloseEphemeralResource)
}
