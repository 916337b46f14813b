package dev.quiver.orchestration.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that counts the connections taken from it (one per transaction) and keeps the SQL of every statement
 * prepared on them, to show which ones ran.
 */
public final class StatementLog implements DataSource {

    private final DataSource delegate;
    private final List<String> statements = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    public StatementLog(DataSource delegate) {
        this.delegate = delegate;
    }

    public List<String> statements() {
        return List.copyOf(statements);
    }

    public int connections() {
        return connections.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return logged(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return logged(delegate.getConnection(username, password));
    }

    private Connection logged(Connection connection) {
        connections.incrementAndGet();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("prepareStatement")) {
                statements.add((String) args[0]);
            }
            return invoke(method, connection, args);
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
    }

    private static Object invoke(Method method, Connection connection, Object[] args) throws Throwable {
        try {
            return method.invoke(connection, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getLogger(StatementLog.class.getName());
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return delegate.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return delegate.isWrapperFor(type);
    }
}
