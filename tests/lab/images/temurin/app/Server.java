// A small HTTP service on the JDK's built-in server: 200 on /, 404 elsewhere.
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;

public class Server {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            boolean root = exchange.getRequestURI().getPath().equals("/");
            byte[] body = (root ? "ok\n" : "not found\n").getBytes();
            exchange.sendResponseHeaders(root ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        System.out.println("listening on " + port);
    }
}
