package dev.quiver.orchestration.store;

import java.sql.SQLException;

/**
 * The run store refused what it was given, as it would every time: a value too long or malformed for its column, or a
 * constraint it breaks (SQLState classes 22 and 23). Unlike a {@link StoreException} it is no outage: answered with a
 * 4xx, as sending it again cannot help.
 */
public class StoreRefusedException extends RuntimeException {

    public StoreRefusedException(String message, SQLException cause) {
        super(message, cause);
    }

    /** Whether the store refused the data itself, rather than failed: SQLState class 22 (data) or 23 (constraint). */
    static boolean refusesData(SQLException e) {
        for (SQLException next = e; next != null; next = next.getNextException()) {
            String state = next.getSQLState();
            if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                return true;
            }
        }
        return false;
    }
}
