package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
)

// artifactFlags are the flags of every command that opens an artifact.
type artifactFlags struct {
	layers       []string
	as           string
	platform     string
	allowPartial bool
	maxDepth     int
	maxEntries   int64
	maxRatio     float64
	maxEntrySize sizeValue
	maxTotalSize sizeValue
}

func (f *artifactFlags) register(fs *pflag.FlagSet) {
	d := archive.DefaultLimits
	f.maxEntrySize = sizeValue(d.MaxEntrySize)
	f.maxTotalSize = sizeValue(d.MaxTotalSize)
	fs.StringArrayVarP(&f.layers, "layer", "l", nil, "a Lambda layer, mounted under /opt (repeat, in the order Lambda applies them)")
	fs.StringVar(&f.as, "as", "", "what the artifact is: function (/var/task), layer (/opt), azure (/home/site/wwwroot), gcf (/workspace) or archive (/); guessed from its layout when not given")
	fs.StringVar(&f.platform, "platform", "", "image platform to read from a multi-platform OCI index (default linux/amd64)")
	fs.BoolVar(&f.allowPartial, "allow-partial", false, "accept an artifact read only in part: what could not be read becomes a note, not exit 2")
	fs.IntVar(&f.maxDepth, "max-depth", d.MaxDepth, "how many archives deep to open archives nested in the artifact")
	fs.Var(&f.maxEntrySize, "max-entry-size", "largest uncompressed entry to read (e.g. 512MiB, 10GiB)")
	fs.Var(&f.maxTotalSize, "max-total-size", "most uncompressed bytes to read in all, nested archives included")
	fs.Int64Var(&f.maxEntries, "max-entries", d.MaxEntries, "most entries to read in all, nested archives included")
	fs.Float64Var(&f.maxRatio, "max-ratio", d.MaxRatio, fmt.Sprintf("highest compression ratio accepted for an entry or an archive of more than %s", archive.FormatSize(archive.RatioFloor)))
}

// complete registers the completion of --as's values.
func (f *artifactFlags) complete(cmd *cobra.Command) {
	roles := make([]string, len(packaging.Roles))
	for i, r := range packaging.Roles {
		roles[i] = string(r)
	}
	cmd.RegisterFlagCompletionFunc("as", cobra.FixedCompletions(roles, cobra.ShellCompDirectiveNoFileComp))
}

func (f *artifactFlags) options() (packaging.Options, error) {
	o := packaging.Options{
		Layers:   f.layers,
		Platform: f.platform,
		Limits: archive.Limits{
			MaxDepth:     f.maxDepth,
			MaxEntrySize: int64(f.maxEntrySize),
			MaxTotalSize: int64(f.maxTotalSize),
			MaxEntries:   f.maxEntries,
			MaxRatio:     f.maxRatio,
		},
	}
	if f.as != "" {
		r, err := packaging.ParseRole(f.as)
		if err != nil {
			return o, err
		}
		o.As = r
	}
	if f.maxDepth < 0 || f.maxEntries == 0 || f.maxEntrySize == 0 || f.maxTotalSize == 0 || f.maxRatio == 0 {
		return o, fmt.Errorf("--max-depth must be 0 or more; --max-entries, --max-entry-size, --max-total-size and --max-ratio more than 0")
	}
	if err := o.Limits.Check(); err != nil {
		return o, err
	}
	if f.maxDepth == 0 {
		// 0 means: do not open nested archives at all. Limits treats 0 as
		// "default", so express it as a depth no nested archive reaches.
		o.Limits.MaxDepth = -1
	}
	return o, nil
}

// sizeValue is a byte count flag that accepts units: 512, 64KiB, 10GiB, 1GB.
type sizeValue int64

func (s *sizeValue) String() string { return archive.FormatSize(int64(*s)) }
func (s *sizeValue) Type() string   { return "size" }

func (s *sizeValue) Set(v string) error {
	n, err := archive.ParseSize(v)
	if err != nil {
		return err
	}
	*s = sizeValue(n)
	return nil
}
