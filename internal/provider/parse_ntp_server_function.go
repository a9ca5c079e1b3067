package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

var _ function.Function = (*parseNTPServerFunction)(nil)

// NewParseNTPServerFunction returns provider::windows::parse_ntp_server.
func NewParseNTPServerFunction() function.Function { return parseNTPServerFunction{} }

// parseNTPServerFunction turns an NtpServer registry string into the
// ntp_servers list of windows_ntp_config.
type parseNTPServerFunction struct{}

func (parseNTPServerFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "parse_ntp_server"
}

func (parseNTPServerFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Parses a W32Time NtpServer value into an ntp_servers list",
		MarkdownDescription: "Parses an `NtpServer` value as the registry holds it and `w32tm /config /manualpeerlist` " +
			"takes it (`\"time.windows.com,0x9 ntp.example.com,0x8\"`: peers separated by spaces, each with its flags " +
			"after a comma) into a list of the shape of `windows_ntp_config`'s `ntp_servers`: objects with `address` " +
			"and `flags` (the flag names, `SpecialInterval`, `UseAsFallbackOnly`, `SymmetricActive`, `Client`, and a " +
			"hexadecimal number for bits Windows does not document). A peer written without flags gets none (an empty " +
			"set), as W32Time reads it. Each address must be a DNS name, IPv4 or IPv6 address. " +
			"No host is contacted; OpenTofu configures the provider before it calls a function, so the provider " +
			"block then needs its `username` and `password` (or `WINDOWS_USERNAME` and `WINDOWS_PASSWORD`) all the same.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "ntp_server",
				MarkdownDescription: "The NtpServer value, such as `\"time.windows.com,0x9 ntp.example.com,0x8\"`.",
			},
		},
		Return: function.ListReturn{ElementType: peerObjectType},
	}
}

func (parseNTPServerFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var s string
	if resp.Error = req.Arguments.Get(ctx, &s); resp.Error != nil {
		return
	}
	peers, err := wintime.ParsePeers(s)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("ntp_server %q is not an NtpServer value: %s", s, err))
		return
	}
	elems := make([]peerModel, len(peers))
	for i, p := range peers {
		if err := wintime.ValidateAddress(p.Address); err != nil {
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("ntp_server: peer %d (%q): %s", i+1, p.String(), err))
			return
		}
		flags, diags := types.SetValueFrom(ctx, types.StringType, p.Flags.Names())
		if diags.HasError() {
			resp.Error = function.FuncErrorFromDiags(ctx, diags)
			return
		}
		elems[i] = peerModel{Address: types.StringValue(p.Address), Flags: flags}
	}
	list, diags := types.ListValueFrom(ctx, peerObjectType, elems)
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	resp.Error = resp.Result.Set(ctx, list)
}
