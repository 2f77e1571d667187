using Microsoft.Data.Sqlite;

namespace Bytez.Hub.Jobs;

/// <summary>
/// How the server's SQLite stores (model-request jobs, stored responses) open their database: each connection durable
/// on return, even across a power cut, and waiting for a writer rather than failing.
/// </summary>
public static class SqliteDurable
{
    /// <summary>
    /// The connection string of a store's database file (its folder created if needed): read-write-create, private
    /// cache, pooled, 30 s command timeout.
    /// </summary>
    public static string ConnectionString(string fullPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullPath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        return new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>Opens a connection with <c>synchronous = FULL</c> and a 30 s busy timeout; the caller disposes it.</summary>
    public static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            Execute(connection, "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;");
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a statement that returns no rows.</summary>
    public static void Execute(SqliteConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
