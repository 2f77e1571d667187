using System.Runtime.CompilerServices;

namespace Bytez.Engine.Templating;

/// <summary>A recursive-descent parser with Jinja2's grammar and operator precedence.</summary>
internal sealed class Parser
{
    private static readonly HashSet<string> UnsupportedStatements = new(StringComparer.Ordinal)
    {
        "include", "import", "from", "extends", "block", "do", "trans", "pluralize", "autoescape", "print",
    };

    private readonly List<Token> _tokens;
    private readonly int _maxDepth;
    private int _pos;
    private int _loopDepth;
    private int _depth;

    private Parser(List<Token> tokens, int maxDepth)
    {
        _tokens = tokens;
        _maxDepth = maxDepth;
    }

    /// <summary>Parses a template whose blocks and expressions nest at most <paramref name="maxDepth"/> deep.</summary>
    public static List<Stmt> Parse(string source, int maxDepth)
    {
        var parser = new Parser(Lexer.Tokenize(source), maxDepth);
        var body = parser.Subparse([]);
        return body;
    }

    /// <summary>Enters one level of nesting: a block, a parenthesis, a nested expression (the parser recurses on each).</summary>
    private void Descend()
    {
        if (++_depth > _maxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new TemplateException(TemplateLimit.Depth, _maxDepth);
        }
    }

    private void Leave() => _depth--;

    private Token Cur => _tokens[_pos];

    private Token Peek(int n = 1) => _tokens[Math.Min(_pos + n, _tokens.Count - 1)];

    private Token Next() => _tokens[_pos++];

    private static TemplateException Error(string message, Token at) => new(TemplateErrorKind.Syntax, message, at.Line, at.Column);

    private Token Expect(TokenKind kind, string? value = null)
    {
        var t = Cur;
        if (t.Kind != kind || (value is not null && t.Value != value))
        {
            var wanted = value is not null ? $"'{value}'" : kind switch
            {
                TokenKind.BlockEnd => "end of statement block '%}'",
                TokenKind.VariableEnd => "end of print statement '}}'",
                TokenKind.Name => "a name",
                _ => kind.ToString(),
            };
            throw Error($"expected {wanted}, got {t.Describe()}", t);
        }

        _pos++;
        return t;
    }

    private List<Stmt> Subparse(string[] ends)
    {
        Descend();
        try
        {
            return SubparseLevel(ends);
        }
        finally
        {
            Leave();
        }
    }

    private List<Stmt> SubparseLevel(string[] ends)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Cur;
            switch (t.Kind)
            {
                case TokenKind.Data:
                    Next();
                    body.Add(new TextStmt(t.Value) { Line = t.Line, Column = t.Column });
                    break;
                case TokenKind.VariableBegin:
                    {
                        Next();
                        var expr = ParseTuple();
                        Expect(TokenKind.VariableEnd);
                        body.Add(new PrintStmt(expr) { Line = t.Line, Column = t.Column });
                        break;
                    }

                case TokenKind.BlockBegin:
                    {
                        var name = Peek();
                        if (name.Kind == TokenKind.Name && Array.IndexOf(ends, name.Value) >= 0)
                        {
                            Next();
                            return body;
                        }

                        Next();
                        body.Add(ParseStatement());
                        break;
                    }

                case TokenKind.Eof:
                    if (ends.Length > 0)
                    {
                        throw Error($"unexpected end of template, expected {string.Join(" or ", ends.Select(e => $"'{e}'"))}", t);
                    }

                    return body;
                default:
                    throw Error($"unexpected {t.Describe()}", t);
            }
        }
    }

    private Stmt ParseStatement()
    {
        var t = Cur;
        if (t.Kind != TokenKind.Name)
        {
            throw Error($"expected a statement name, got {t.Describe()}", t);
        }

        Stmt stmt = t.Value switch
        {
            "for" => ParseFor(),
            "if" => ParseIf(),
            "set" => ParseSet(),
            "macro" => ParseMacro(),
            "call" => ParseCallBlock(),
            "filter" => ParseFilterBlock(),
            "with" => ParseWith(),
            "generation" => ParsePassThrough("generation", "endgeneration"),
            "break" or "continue" => ParseLoopControl(),
            _ when UnsupportedStatements.Contains(t.Value) => throw Error($"unsupported statement '{t.Value}'", t),
            _ when t.Value.StartsWith("end", StringComparison.Ordinal) || t.Value is "else" or "elif" => throw Error($"unexpected '{t.Value}'", t),
            _ => throw Error($"unsupported statement '{t.Value}'", t),
        };
        return stmt;
    }

    private Stmt ParseFor()
    {
        var t = Next();
        var target = ParseAssignTarget(withTuple: true, withNamespace: false);
        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(withCondExpr: false, extraEnds: ["recursive"]);
        Expr? filter = null;
        if (Cur.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }

        if (Cur.IsName("recursive"))
        {
            throw Error("unsupported: recursive for loops ('recursive')", Cur);
        }

        Expect(TokenKind.BlockEnd);
        _loopDepth++;
        var body = Subparse(["endfor", "else"]);
        _loopDepth--;
        List<Stmt>? otherwise = null;
        if (Next().Value == "else")
        {
            Expect(TokenKind.BlockEnd);
            otherwise = Subparse(["endfor"]);
            Next();
        }

        Expect(TokenKind.BlockEnd);
        return new ForStmt(target, iterable, filter, body, otherwise) { Line = t.Line, Column = t.Column };
    }

    private Stmt ParseIf()
    {
        var t = Next();
        var branches = new List<(Expr, List<Stmt>)>();
        List<Stmt>? otherwise = null;
        var test = ParseTuple(withCondExpr: false);
        while (true)
        {
            Expect(TokenKind.BlockEnd);
            var body = Subparse(["elif", "else", "endif"]);
            branches.Add((test, body));
            var end = Next();
            if (end.Value == "elif")
            {
                test = ParseTuple(withCondExpr: false);
                continue;
            }

            if (end.Value == "else")
            {
                Expect(TokenKind.BlockEnd);
                otherwise = Subparse(["endif"]);
                Next();
            }

            break;
        }

        Expect(TokenKind.BlockEnd);
        return new IfStmt(branches, otherwise) { Line = t.Line, Column = t.Column };
    }

    private Stmt ParseSet()
    {
        var t = Next();
        var target = ParseAssignTarget(withTuple: true, withNamespace: true);
        if (Cur.IsOp("="))
        {
            Next();
            var value = ParseTuple();
            Expect(TokenKind.BlockEnd);
            return new SetStmt(target, value) { Line = t.Line, Column = t.Column };
        }

        var filters = new List<FilterExpr>();
        while (Cur.IsOp("|"))
        {
            Next();
            filters.Add(ParseFilterCall(null));
        }

        Expect(TokenKind.BlockEnd);
        var body = Subparse(["endset"]);
        Next();
        Expect(TokenKind.BlockEnd);
        return new SetBlockStmt(target, filters, body) { Line = t.Line, Column = t.Column };
    }

    private List<MacroParam> ParseParams()
    {
        Expect(TokenKind.Operator, "(");
        var ps = new List<MacroParam>();
        while (!Cur.IsOp(")"))
        {
            if (ps.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (Cur.IsOp(")"))
                {
                    break;
                }
            }

            var name = Expect(TokenKind.Name);
            Expr? dflt = null;
            if (Cur.IsOp("="))
            {
                Next();
                dflt = ParseExpression();
            }
            else if (ps.Count > 0 && ps[^1].Default is not null)
            {
                throw Error("non-default argument follows default argument", name);
            }

            ps.Add(new MacroParam(name.Value, dflt));
        }

        Next();
        return ps;
    }

    private Stmt ParseMacro()
    {
        var t = Next();
        var name = Expect(TokenKind.Name).Value;
        var ps = ParseParams();
        Expect(TokenKind.BlockEnd);
        var savedDepth = _loopDepth;
        _loopDepth = 0;
        var body = Subparse(["endmacro"]);
        _loopDepth = savedDepth;
        Next();
        Expect(TokenKind.BlockEnd);
        return new MacroStmt(name, ps, body) { Line = t.Line, Column = t.Column };
    }

    private Stmt ParseCallBlock()
    {
        var t = Next();
        var ps = Cur.IsOp("(") ? ParseParams() : [];
        var expr = ParseExpression();
        if (expr is not CallExpr call)
        {
            throw Error("expected a call after 'call'", t);
        }

        Expect(TokenKind.BlockEnd);
        var savedDepth = _loopDepth;
        _loopDepth = 0;
        var body = Subparse(["endcall"]);
        _loopDepth = savedDepth;
        Next();
        Expect(TokenKind.BlockEnd);
        return new CallBlockStmt(call, ps, body) { Line = t.Line, Column = t.Column };
    }

    private Stmt ParseFilterBlock()
    {
        var t = Next();
        var filters = new List<FilterExpr> { ParseFilterCall(null) };
        while (Cur.IsOp("|"))
        {
            Next();
            filters.Add(ParseFilterCall(null));
        }

        Expect(TokenKind.BlockEnd);
        var body = Subparse(["endfilter"]);
        Next();
        Expect(TokenKind.BlockEnd);
        return new FilterBlockStmt(filters, body) { Line = t.Line, Column = t.Column };
    }

    private Stmt ParseWith()
    {
        var t = Next();
        var assignments = new List<(Target, Expr)>();
        while (Cur.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
            }

            var target = ParseAssignTarget(withTuple: false, withNamespace: false);
            Expect(TokenKind.Operator, "=");
            assignments.Add((target, ParseExpression()));
        }

        Next();
        var body = Subparse(["endwith"]);
        Next();
        Expect(TokenKind.BlockEnd);
        return new ScopeStmt(assignments, body) { Line = t.Line, Column = t.Column };
    }

    private Stmt ParsePassThrough(string name, string end)
    {
        var t = Next();
        Expect(TokenKind.BlockEnd);
        var body = Subparse([end]);
        Next();
        Expect(TokenKind.BlockEnd);
        _ = name;
        return new PassThroughStmt(body) { Line = t.Line, Column = t.Column };
    }

    private Stmt ParseLoopControl()
    {
        var t = Next();
        if (_loopDepth == 0)
        {
            throw Error($"'{t.Value}' outside of a loop", t);
        }

        Expect(TokenKind.BlockEnd);
        return new LoopControlStmt(t.Value == "break" ? Flow.Break : Flow.Continue) { Line = t.Line, Column = t.Column };
    }

    private Target ParseAssignTarget(bool withTuple, bool withNamespace)
    {
        var t = Cur;
        if (withNamespace && t.Kind == TokenKind.Name && Peek().IsOp("."))
        {
            Next();
            Next();
            var attr = Expect(TokenKind.Name);
            return new NamespaceTarget(t.Value, attr.Value) { Line = t.Line, Column = t.Column };
        }

        if (!withTuple)
        {
            return ParseNameTarget();
        }

        var items = new List<Target>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
            }

            if (Cur.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd || Cur.IsOp(")") || Cur.IsOp("=") || Cur.IsName("in"))
            {
                break;
            }

            if (Cur.IsOp("("))
            {
                Next();
                Descend();
                try
                {
                    items.Add(ParseAssignTarget(withTuple: true, withNamespace: false));
                }
                finally
                {
                    Leave();
                }

                Expect(TokenKind.Operator, ")");
            }
            else
            {
                items.Add(ParseNameTarget());
            }

            if (Cur.IsOp(","))
            {
                isTuple = true;
            }
            else
            {
                break;
            }
        }

        if (items.Count == 0)
        {
            throw Error($"expected an assignment target, got {Cur.Describe()}", Cur);
        }

        return isTuple ? new TupleTarget(items) { Line = t.Line, Column = t.Column } : items[0];
    }

    private NameTarget ParseNameTarget()
    {
        var name = Expect(TokenKind.Name);
        if (name.Value is "true" or "false" or "none" or "True" or "False" or "None")
        {
            throw Error($"cannot assign to '{name.Value}'", name);
        }

        return new NameTarget(name.Value) { Line = name.Line, Column = name.Column };
    }

    // ------------------------------------------------------------ expressions

    private bool IsTupleEnd(string[]? extraEnds)
        => Cur.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.Eof || Cur.IsOp(")")
            || (extraEnds is not null && Cur.Kind == TokenKind.Name && Array.IndexOf(extraEnds, Cur.Value) >= 0);

    private Expr ParseTuple(bool withCondExpr = true, string[]? extraEnds = null, bool explicitParentheses = false)
    {
        var start = Cur;
        var items = new List<Expr>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
            }

            if (IsTupleEnd(extraEnds))
            {
                break;
            }

            items.Add(withCondExpr ? ParseExpression() : ParseOr());
            if (Cur.IsOp(","))
            {
                isTuple = true;
            }
            else
            {
                break;
            }
        }

        if (!isTuple)
        {
            if (items.Count > 0)
            {
                return items[0];
            }

            if (!explicitParentheses)
            {
                throw Error($"expected an expression, got {Cur.Describe()}", Cur);
            }
        }

        return new ListExpr(items, isTuple: true) { Line = start.Line, Column = start.Column };
    }

    private Expr ParseExpression()
    {
        Descend();
        try
        {
            return ParseExpressionLevel();
        }
        finally
        {
            Leave();
        }
    }

    private Expr ParseExpressionLevel()
    {
        var start = Cur;
        var expr = ParseOr();
        while (Cur.IsName("if"))
        {
            Next();
            var test = ParseOr();
            Expr? otherwise = null;
            if (Cur.IsName("else"))
            {
                Next();
                otherwise = ParseExpression();
            }

            expr = new CondExpr(test, expr, otherwise) { Line = start.Line, Column = start.Column };
        }

        return expr;
    }

    private Expr ParseOr()
    {
        var start = Cur;
        var left = ParseAnd();
        while (Cur.IsName("or"))
        {
            Next();
            left = new BinaryExpr("or", left, ParseAnd()) { Line = start.Line, Column = start.Column };
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var start = Cur;
        var left = ParseNot();
        while (Cur.IsName("and"))
        {
            Next();
            left = new BinaryExpr("and", left, ParseNot()) { Line = start.Line, Column = start.Column };
        }

        return left;
    }

    private Expr ParseNot()
    {
        var start = Cur;
        if (Cur.IsName("not"))
        {
            Next();
            Descend();
            try
            {
                return new UnaryExpr("not", ParseNot()) { Line = start.Line, Column = start.Column };
            }
            finally
            {
                Leave();
            }
        }

        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var start = Cur;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Cur.Kind == TokenKind.Operator && Cur.Value is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                var op = Next().Value;
                rest.Add((op, ParseMath1()));
            }
            else if (Cur.IsName("in"))
            {
                Next();
                rest.Add(("in", ParseMath1()));
            }
            else if (Cur.IsName("not") && Peek().IsName("in"))
            {
                Next();
                Next();
                rest.Add(("not in", ParseMath1()));
            }
            else
            {
                break;
            }
        }

        return rest.Count == 0 ? first : new CompareExpr(first, rest) { Line = start.Line, Column = start.Column };
    }

    private Expr ParseMath1()
    {
        var start = Cur;
        var left = ParseConcat();
        while (Cur.IsOp("+") || Cur.IsOp("-"))
        {
            var op = Next().Value;
            left = new BinaryExpr(op, left, ParseConcat()) { Line = start.Line, Column = start.Column };
        }

        return left;
    }

    private Expr ParseConcat()
    {
        var start = Cur;
        var parts = new List<Expr> { ParseMath2() };
        while (Cur.IsOp("~"))
        {
            Next();
            parts.Add(ParseMath2());
        }

        return parts.Count == 1 ? parts[0] : new ConcatExpr(parts) { Line = start.Line, Column = start.Column };
    }

    private Expr ParseMath2()
    {
        var start = Cur;
        var left = ParsePow();
        while (Cur.Kind == TokenKind.Operator && Cur.Value is "*" or "/" or "//" or "%")
        {
            var op = Next().Value;
            left = new BinaryExpr(op, left, ParsePow()) { Line = start.Line, Column = start.Column };
        }

        return left;
    }

    private Expr ParsePow()
    {
        var start = Cur;
        var left = ParseUnary();
        while (Cur.IsOp("**"))
        {
            Next();
            left = new BinaryExpr("**", left, ParseUnary()) { Line = start.Line, Column = start.Column };
        }

        return left;
    }

    private Expr ParseUnary(bool withFilter = true)
    {
        var start = Cur;
        Expr node;
        if (Cur.IsOp("-") || Cur.IsOp("+"))
        {
            var op = Next().Value;
            Descend();
            try
            {
                node = new UnaryExpr(op, ParseUnary(withFilter: false)) { Line = start.Line, Column = start.Column };
            }
            finally
            {
                Leave();
            }
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilter ? ParseFilterExpr(node) : node;
    }

    private Expr ParsePrimary()
    {
        var t = Cur;
        switch (t.Kind)
        {
            case TokenKind.Name:
                Next();
                return t.Value switch
                {
                    "true" or "True" => new ConstExpr(true) { Line = t.Line, Column = t.Column },
                    "false" or "False" => new ConstExpr(false) { Line = t.Line, Column = t.Column },
                    "none" or "None" => new ConstExpr(null) { Line = t.Line, Column = t.Column },
                    _ => new NameExpr(t.Value) { Line = t.Line, Column = t.Column },
                };
            case TokenKind.String:
                {
                    var s = new System.Text.StringBuilder((string)t.Literal!);
                    Next();
                    while (Cur.Kind == TokenKind.String)
                    {
                        s.Append((string)Next().Literal!);
                    }

                    return new ConstExpr(s.ToString()) { Line = t.Line, Column = t.Column };
                }

            case TokenKind.Integer:
            case TokenKind.Float:
                Next();
                return new ConstExpr(t.Literal) { Line = t.Line, Column = t.Column };
            case TokenKind.Operator when t.Value == "(":
                {
                    Next();
                    var inner = ParseTuple(explicitParentheses: true);
                    Expect(TokenKind.Operator, ")");
                    return inner;
                }

            case TokenKind.Operator when t.Value == "[":
                {
                    Next();
                    var items = new List<Expr>();
                    while (!Cur.IsOp("]"))
                    {
                        if (items.Count > 0)
                        {
                            Expect(TokenKind.Operator, ",");
                            if (Cur.IsOp("]"))
                            {
                                break;
                            }
                        }

                        items.Add(ParseExpression());
                    }

                    Next();
                    return new ListExpr(items, isTuple: false) { Line = t.Line, Column = t.Column };
                }

            case TokenKind.Operator when t.Value == "{":
                {
                    Next();
                    var items = new List<(Expr, Expr)>();
                    while (!Cur.IsOp("}"))
                    {
                        if (items.Count > 0)
                        {
                            Expect(TokenKind.Operator, ",");
                            if (Cur.IsOp("}"))
                            {
                                break;
                            }
                        }

                        var key = ParseExpression();
                        Expect(TokenKind.Operator, ":");
                        items.Add((key, ParseExpression()));
                    }

                    Next();
                    return new DictExpr(items) { Line = t.Line, Column = t.Column };
                }

            default:
                throw Error($"unexpected {t.Describe()}", t);
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var t = Cur;
            if (t.IsOp("."))
            {
                Next();
                var attr = Next();
                node = attr.Kind switch
                {
                    TokenKind.Name => new GetAttrExpr(node, attr.Value) { Line = t.Line, Column = t.Column },
                    TokenKind.Integer => new GetItemExpr(node, new ConstExpr(attr.Literal)) { Line = t.Line, Column = t.Column },
                    _ => throw Error($"expected an attribute name after '.', got {attr.Describe()}", attr),
                };
            }
            else if (t.IsOp("["))
            {
                Next();
                var args = new List<Expr>();
                while (!Cur.IsOp("]"))
                {
                    if (args.Count > 0)
                    {
                        Expect(TokenKind.Operator, ",");
                    }

                    args.Add(ParseSubscribed(node));
                }

                Next();
                if (args.Count == 1 && args[0] is SliceMarker slice)
                {
                    node = new SliceExpr(node, slice.Start, slice.Stop, slice.Step) { Line = t.Line, Column = t.Column };
                }
                else if (args.Count == 1)
                {
                    node = new GetItemExpr(node, args[0]) { Line = t.Line, Column = t.Column };
                }
                else
                {
                    throw Error("unsupported: multi-dimensional subscripts", t);
                }
            }
            else if (t.IsOp("("))
            {
                node = new CallExpr(node, ParseCallArgs()) { Line = t.Line, Column = t.Column };
            }
            else
            {
                return node;
            }
        }
    }

    private sealed class SliceMarker(Expr? start, Expr? stop, Expr? step) : Expr
    {
        public Expr? Start { get; } = start;

        public Expr? Stop { get; } = stop;

        public Expr? Step { get; } = step;

        public override object? Eval(RenderContext ctx) => throw new InvalidOperationException();
    }

    private Expr ParseSubscribed(Expr owner)
    {
        _ = owner;
        Expr? start = null;
        if (!Cur.IsOp(":"))
        {
            var e = ParseExpression();
            if (!Cur.IsOp(":"))
            {
                return e;
            }

            start = e;
        }

        Next();
        Expr? stop = null;
        Expr? step = null;
        if (!Cur.IsOp(":") && !Cur.IsOp("]") && !Cur.IsOp(","))
        {
            stop = ParseExpression();
        }

        if (Cur.IsOp(":"))
        {
            Next();
            if (!Cur.IsOp("]") && !Cur.IsOp(","))
            {
                step = ParseExpression();
            }
        }

        return new SliceMarker(start, stop, step);
    }

    private ArgExprs ParseCallArgs()
    {
        Expect(TokenKind.Operator, "(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!Cur.IsOp(")"))
        {
            if (positional.Count + named.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (Cur.IsOp(")"))
                {
                    break;
                }
            }

            if (Cur.IsOp("*") || Cur.IsOp("**"))
            {
                throw Error("unsupported: *args and **kwargs in calls", Cur);
            }

            if (Cur.Kind == TokenKind.Name && Peek().IsOp("="))
            {
                var name = Next().Value;
                Next();
                named.Add((name, ParseExpression()));
            }
            else
            {
                if (named.Count > 0)
                {
                    throw Error("positional argument follows keyword argument", Cur);
                }

                positional.Add(ParseExpression());
            }
        }

        Next();
        return new ArgExprs(positional, named);
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (Cur.IsOp("|"))
            {
                Next();
                node = ParseFilterCall(node);
            }
            else if (Cur.IsName("is"))
            {
                node = ParseTest(node);
            }
            else if (Cur.IsOp("("))
            {
                var t = Cur;
                node = new CallExpr(node, ParseCallArgs()) { Line = t.Line, Column = t.Column };
            }
            else
            {
                return node;
            }
        }
    }

    private string ParseDottedName()
    {
        var name = Expect(TokenKind.Name).Value;
        while (Cur.IsOp("."))
        {
            Next();
            name += "." + Expect(TokenKind.Name).Value;
        }

        return name;
    }

    private FilterExpr ParseFilterCall(Expr? target)
    {
        var t = Cur;
        var name = ParseDottedName();
        if (!Filters.All.TryGetValue(name, out var filter))
        {
            throw Error($"unsupported filter '{name}'", t);
        }

        var args = Cur.IsOp("(") ? ParseCallArgs() : new ArgExprs([], []);
        return new FilterExpr(target, name, filter, args) { Line = t.Line, Column = t.Column };
    }

    private Expr ParseTest(Expr node)
    {
        var t = Next();
        var negated = false;
        if (Cur.IsName("not"))
        {
            Next();
            negated = true;
        }

        var nameToken = Cur;
        var name = ParseDottedName();
        if (!JinjaTests.All.TryGetValue(name, out var test))
        {
            throw Error($"unsupported test '{name}'", nameToken);
        }

        ArgExprs args;
        if (Cur.IsOp("("))
        {
            args = ParseCallArgs();
        }
        else if ((Cur.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float || Cur.IsOp("[") || Cur.IsOp("{"))
            && !Cur.IsName("else") && !Cur.IsName("or") && !Cur.IsName("and"))
        {
            if (Cur.IsName("is"))
            {
                throw Error("You cannot chain multiple tests with is", Cur);
            }

            var arg = ParsePostfix(ParsePrimary());
            args = new ArgExprs([arg], []);
        }
        else
        {
            args = new ArgExprs([], []);
        }

        return new TestExpr(node, test, args, negated) { Line = t.Line, Column = t.Column };
    }
}
