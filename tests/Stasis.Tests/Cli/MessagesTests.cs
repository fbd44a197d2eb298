using Stasis.Cli.Output;
using Stasis.Client.Model;

namespace Stasis.Tests.Cli;

public sealed class MessagesTests
{
    [Fact]
    public void AnErrorsDetailsThatItsMessageAlreadySays_AreNotSaidTwice()
    {
        var error = new StringWriter();
        new Messages(error, colour: false).Error(new ErrorBody("InvalidSpec", "function 'f' is not valid: timeout: must be from 1 to 86400; runtime: python3.10 is not run")
        {
            Details = ["timeout: must be from 1 to 86400", "runtime: python3.10 is not run", "code: the directory does not exist"],
        });

        Assert.Equal(
            "error: InvalidSpec: function 'f' is not valid: timeout: must be from 1 to 86400; runtime: python3.10 is not run\n  - code: the directory does not exist\n",
            error.ToString().ReplaceLineEndings("\n"));
    }
}
