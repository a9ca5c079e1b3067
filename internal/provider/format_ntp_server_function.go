package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

var _ function.Function = (*formatNTPServerFunction)(nil)

// NewFormatNTPServerFunction returns provider::windows::format_ntp_server.
func NewFormatNTPServerFunction() function.Function { return formatNTPServerFunction{} }

// formatNTPServerFunction turns an ntp_servers list into the NtpServer
// registry string: the inverse of parse_ntp_server.
type formatNTPServerFunction struct{}

func (formatNTPServerFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "format_ntp_server"
}

func (formatNTPServerFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Formats an ntp_servers list as a W32Time NtpServer value",
		MarkdownDescription: "Formats a list of the shape of `windows_ntp_config`'s `ntp_servers` (objects with " +
			"`address` and `flags`) as the `NtpServer` value the registry holds: `\"time.windows.com,0x9 " +
			"ntp.example.com,0x8\"`. `flags` takes the flag names and hexadecimal numbers `parse_ntp_server` returns; " +
			"null gives the default flags, `SpecialInterval` and `Client` (0x9), as in `windows_ntp_config`. " +
			"`parse_ntp_server` of the result gives the list back. " +
			"No host is contacted; OpenTofu configures the provider before it calls a function, so the provider " +
			"block then needs its `username` and `password` (or `WINDOWS_USERNAME` and `WINDOWS_PASSWORD`) all the same.",
		Parameters: []function.Parameter{
			function.ListParameter{
				Name:                "ntp_servers",
				ElementType:         peerObjectType,
				MarkdownDescription: "The peers, in order: objects with `address` (a DNS name, IPv4 or IPv6 address) and `flags` (a set of flag names, or null).",
			},
		},
		Return: function.StringReturn{},
	}
}

func (formatNTPServerFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var elems []peerModel
	if resp.Error = req.Arguments.Get(ctx, &elems); resp.Error != nil {
		return
	}
	peers := make([]wintime.Peer, len(elems))
	for i, e := range elems {
		p, err := peerFromModel(ctx, e)
		if err != nil {
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("ntp_servers[%d]: %s", i, err))
			return
		}
		peers[i] = p
	}
	resp.Error = resp.Result.Set(ctx, types.StringValue(wintime.FormatPeers(peers)))
}

// peerFromModel converts one element of an ntp_servers argument, checking
// its address and flags.
func peerFromModel(ctx context.Context, e peerModel) (wintime.Peer, error) {
	if e.Address.IsNull() {
		return wintime.Peer{}, fmt.Errorf("address is null: every peer needs one")
	}
	if err := wintime.ValidateAddress(e.Address.ValueString()); err != nil {
		return wintime.Peer{}, err
	}
	p := wintime.Peer{Address: e.Address.ValueString(), Flags: wintime.DefaultFlags}
	if e.Flags.IsNull() {
		return p, nil
	}
	var names []string
	if diags := e.Flags.ElementsAs(ctx, &names, false); diags.HasError() {
		return p, fmt.Errorf("flags of %s cannot be read", p.Address)
	}
	f, err := wintime.FlagsFromNames(names)
	if err != nil {
		return p, fmt.Errorf("peer %s: %w", p.Address, err)
	}
	p.Flags = f
	return p, nil
}
